using Glimpse.Explain;

namespace Glimpse.Processing.Models;

/// <summary>
/// <see cref="ExplainRun.Execute"/> on the catalog's warm models, one job at a time: a worker owns one device, and two
/// jobs on it would only slow each other and double the memory. The run happens on a pool thread; a cancelled caller
/// gets control back at once, while the device stays reserved until the run notices the cancellation and stops.
/// Disposing waits for such a run: it is still inside libtorch on the models the catalog owns, and the catalog is
/// disposed after this engine (a host stopping on SIGTERM freed them under a running job, and the process crashed).
/// </summary>
public sealed class CatalogExplainEngine(IModelCatalog catalog) : IExplainEngine, IDisposable
{
    /// <summary>How long disposing waits for an abandoned run to reach its next cancellation check.</summary>
    private static readonly TimeSpan AbandonedRunWait = TimeSpan.FromMinutes(1);

    private readonly SemaphoreSlim _device = new(1, 1);
    private Task _lastRun = Task.CompletedTask;

    public async Task<ExplainOutcome> ExplainAsync(string modelId, ExplainRequest request, CancellationToken cancellationToken)
    {
        await _device.WaitAsync(cancellationToken).ConfigureAwait(false);
        Task<ExplainOutcome> run;
        try
        {
            var runtime = await catalog.GetAsync(modelId, request.Precision, cancellationToken).ConfigureAwait(false);
            run = Task.Run(() => ExplainRun.Execute(runtime, request, cancellation: cancellationToken), CancellationToken.None);
            _lastRun = run;
        }
        catch
        {
            _device.Release();
            throw;
        }
        // Observing the exception here keeps a run abandoned by its caller from surfacing as an unobserved task exception.
        _ = run.ContinueWith(finished => { _ = finished.Exception; _device.Release(); }, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return await run.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        // One run at a time, so the last one started is the only one that can still be running.
        ((IAsyncResult)_lastRun).AsyncWaitHandle.WaitOne(AbandonedRunWait);
        _device.Dispose();
    }
}
