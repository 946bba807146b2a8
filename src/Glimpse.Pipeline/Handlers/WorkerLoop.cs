using Glimpse.Pipeline.Transport;
using Microsoft.Extensions.Logging;

namespace Glimpse.Pipeline.Handlers;

/// <summary>
/// The worker's receive loop, for any host: one message at a time (one device), its lock renewed in the background
/// while the job runs. Three ways a job stops early:
/// <list type="bullet">
/// <item>the lock is lost (renewal refused, or <see cref="WorkerLoopOptions.MaxJobDuration"/> passed): the job is
/// cancelled and the message left unsettled; it belongs to its next delivery now;</item>
/// <item>the host stops (the token given to <see cref="RunAsync"/>): no new receives; the job is cancelled and its
/// message abandoned so it is redelivered at once rather than when its lock expires;</item>
/// <item>an unexpected error: logged, the message left to its lock's expiry and a later delivery.</item>
/// </list>
/// </summary>
public sealed partial class WorkerLoop(IWorkReceiver receiver, IJobProcessor processor, WorkerLoopOptions options, ILogger<WorkerLoop> logger)
{
    /// <summary>Receives and processes until <paramref name="stoppingToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        LogStarted(logger);
        while (!stoppingToken.IsCancellationRequested)
        {
            IReceivedWork? work;
            try
            {
                work = await receiver.ReceiveAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (TransientFailures.IsTransient(e))
            {
                LogReceiveFailed(logger, e);
                work = null;
            }
            if (work is null)
            {
                await PauseAsync(options.IdleDelay, stoppingToken).ConfigureAwait(false);
                continue;
            }
            await ProcessOneAsync(work, stoppingToken).ConfigureAwait(false);
        }
        LogStopped(logger);
    }

    /// <summary>Processes one received message under lock renewal, and settles it if the job stopped early.</summary>
    public async Task ProcessOneAsync(IReceivedWork work, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var lockLost = new CancellationTokenSource();
        using var job = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lockLost.Token);
        using var renewalStop = new CancellationTokenSource();
        var renewal = KeepLockAsync(work, lockLost, renewalStop.Token);
        try
        {
            await processor.ProcessAsync(work, job.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (lockLost.IsCancellationRequested || e is LockLostException)
        {
            LogLockLost(logger, work.MessageId);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await AbandonOnShutdownAsync(work).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogUnexpected(logger, work.MessageId, e);
        }
        finally
        {
            await renewalStop.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(false);
        }
    }

    /// <summary>Renews the lock every <see cref="WorkerLoopOptions.LockRenewalInterval"/> until stopped; cancels <paramref name="lockLost"/> when it cannot.</summary>
    private async Task KeepLockAsync(IReceivedWork work, CancellationTokenSource lockLost, CancellationToken stop)
    {
        var deadline = DateTimeOffset.UtcNow + options.MaxJobDuration;
        try
        {
            while (true)
            {
                await Task.Delay(options.LockRenewalInterval, stop).ConfigureAwait(false);
                if (DateTimeOffset.UtcNow >= deadline)
                {
                    LogJobTooLong(logger, work.MessageId, options.MaxJobDuration);
                    await lockLost.CancelAsync().ConfigureAwait(false);
                    return;
                }
                try
                {
                    await work.RenewLockAsync(stop).ConfigureAwait(false);
                }
                catch (LockLostException)
                {
                    await lockLost.CancelAsync().ConfigureAwait(false);
                    return;
                }
                catch (Exception e) when (TransientFailures.IsTransient(e))
                {
                    // The lock may still hold: try again next interval, unless it has run out by now.
                    LogRenewalFailed(logger, work.MessageId, e);
                    if (DateTimeOffset.UtcNow >= work.LockedUntil)
                    {
                        await lockLost.CancelAsync().ConfigureAwait(false);
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The job ended; so does renewal.
        }
    }

    private async Task AbandonOnShutdownAsync(IReceivedWork work)
    {
        LogAbandoning(logger, work.MessageId);
        using var timeout = new CancellationTokenSource(options.AbandonTimeout);
        try
        {
            await work.AbandonAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException || TransientFailures.IsTransient(e))
        {
            // Not abandoned: the lock's expiry releases it instead, only later.
            LogAbandonFailed(logger, work.MessageId, e);
        }
    }

    private static async Task PauseAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the loop condition ends it.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker loop started")]
    private static partial void LogStarted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker loop stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receiving failed transiently; trying again shortly")]
    private static partial void LogReceiveFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId}: lock lost; the job stopped and the message is left to its next delivery")]
    private static partial void LogLockLost(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId}: shutting down; abandoning it for redelivery")]
    private static partial void LogAbandoning(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId}: could not abandon; it is released when its lock expires")]
    private static partial void LogAbandonFailed(ILogger logger, string messageId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId}: unexpected failure; left for redelivery when its lock expires")]
    private static partial void LogUnexpected(ILogger logger, string messageId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId}: the job ran past {MaxJobDuration}; cancelled and its lock left to lapse")]
    private static partial void LogJobTooLong(ILogger logger, string messageId, TimeSpan maxJobDuration);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId}: lock renewal failed transiently")]
    private static partial void LogRenewalFailed(ILogger logger, string messageId, Exception exception);
}
