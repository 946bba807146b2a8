using System.Diagnostics;
using Azure.Storage.Blobs;
using Glimpse.Pipeline.Storage;
using Glimpse.Pipeline.Telemetry;
using Microsoft.Extensions.Logging;

namespace Glimpse.Pipeline.Audits;

/// <summary>What one audit tick did: the runs it started (one per suite) and the runs it aggregated or is waiting on.</summary>
public sealed record AuditTickOutcome(IReadOnlyList<AuditRunStart> Started, IReadOnlyList<AuditAggregation> Aggregated);

/// <summary>
/// The audit timer's one entry point, whatever fires it (the Functions timer trigger on <c>%GlimpseAuditSchedule%</c>,
/// <c>glimpse local</c>, a test): start the slot's run of every suite, then aggregate every run whose jobs are done.
/// Each tick is idempotent; a tick that finds nothing to do writes nothing.
/// </summary>
public sealed class AuditHandler(AuditScheduler scheduler, AuditAggregator aggregator)
{
    /// <param name="scheduledTime">When this tick was scheduled (or, failing that, when it fired): the run is named by the
    /// start of its slot (<see cref="AuditOptions.SlotLength"/>), so a timer that fires twice for one occurrence starts
    /// one run per suite.</param>
    public async Task<AuditTickOutcome> TickAsync(DateTimeOffset scheduledTime, CancellationToken cancellationToken)
    {
        using var activity = PipelineTelemetry.Source.StartActivity("audit tick", ActivityKind.Internal);
        var started = await scheduler.StartRunsAsync(scheduledTime, cancellationToken).ConfigureAwait(false);
        var aggregated = await AggregateAsync(cancellationToken).ConfigureAwait(false);
        return new AuditTickOutcome(started, aggregated);
    }

    /// <summary>The handler with its scheduler and aggregator on one storage account, as hosts wire it.</summary>
    public static AuditHandler Create(BlobServiceClient service, AuditOptions options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        options.Validate();
        var store = new AuditStore(service);
        var scheduler = new AuditScheduler(store, options, loggers.CreateLogger<AuditScheduler>());
        var aggregator = new AuditAggregator(store, new StatusStore(service), new ResultStore(service), scheduler, options,
            loggers.CreateLogger<AuditAggregator>());
        return new AuditHandler(scheduler, aggregator);
    }

    /// <summary>Only the aggregation half: for a host that checks for finished runs more often than it starts new ones.</summary>
    public Task<IReadOnlyList<AuditAggregation>> AggregateAsync(CancellationToken cancellationToken) => aggregator.AggregateAsync(cancellationToken);
}
