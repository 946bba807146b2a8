using Glimpse.Pipeline.Audits;
using Microsoft.Azure.Functions.Worker;

namespace Glimpse.Functions;

/// <summary>
/// Audits: on the schedule in the app setting <c>GlimpseAuditSchedule</c> (NCRONTAB), start the slot's run of every
/// suite in <c>glimpse-audits</c> and aggregate the runs whose jobs are all done (<see cref="AuditHandler"/>).
/// </summary>
public sealed class AuditFunction(AuditHandler audits)
{
    public const string Name = "Audit";

    [Function(Name)]
    public async Task<AuditTickOutcome> RunAsync([TimerTrigger("%GlimpseAuditSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        // Runs are named by the start of the slot this moment falls in, so a late or repeated firing starts no second run.
        return await audits.TickAsync(DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
    }
}
