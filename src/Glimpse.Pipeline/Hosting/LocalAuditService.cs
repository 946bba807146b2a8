using Glimpse.Pipeline.Audits;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Glimpse.Pipeline.Hosting;

/// <summary>How often <c>glimpse local</c> ticks the audits (section <c>Glimpse:Audits</c>).</summary>
public sealed class LocalAuditOptions
{
    /// <summary>
    /// Between ticks. Each tick starts the current slot's run of every suite (once per <see cref="AuditOptions.SlotLength"/>)
    /// and aggregates the runs that finished; there is no NCRONTAB schedule locally, where the process runs for minutes.
    /// </summary>
    public TimeSpan LocalTickInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// The audit timer of the one-process local pipeline, where no Functions host runs the timer trigger: the same
/// <see cref="AuditHandler.TickAsync"/> the audit Function calls, on an interval. A failed tick is logged and the next
/// one tries again, as a timer trigger would.
/// </summary>
public sealed partial class LocalAuditService(AuditHandler audits, LocalAuditOptions options, TimeProvider time, ILogger<LocalAuditService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.LocalTickInterval, time);
        do
        {
            try
            {
                var outcome = await audits.TickAsync(time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
                if (outcome.Started.Count > 0 || outcome.Aggregated.Count > 0)
                    LogTicked(logger, outcome.Started.Count, outcome.Aggregated.Count);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogTickFailed(logger, e);
            }
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit tick: {Started} run(s) started, {Aggregated} run(s) aggregated or waiting")]
    private static partial void LogTicked(ILogger logger, int started, int aggregated);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit tick failed; the next tick tries again")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);
}
