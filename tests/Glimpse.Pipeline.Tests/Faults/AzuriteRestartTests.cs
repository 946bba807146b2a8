using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Storage;
using static Glimpse.Pipeline.Tests.Faults.FaultTestKit;

namespace Glimpse.Pipeline.Tests.Faults;

/// <summary>
/// The storage service restarting while a job runs, on an Azurite of its own that keeps its data on disk and comes back
/// on the same ports: the job's writes and its message's settlement fail while it is down, the message comes back
/// when its lock lapses, and the next delivery ends the job once.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class AzuriteRestartTests(TinyModels models) : IAsyncLifetime
{
    private readonly Azurite _azurite = Azurite.Create(new AzuriteOptions { Persistent = true });

    public Task InitializeAsync() => _azurite.InitializeAsync();

    public Task DisposeAsync() => _azurite.DisposeAsync();

    [Fact]
    public async Task A_job_whose_storage_restarts_mid_run_is_delivered_again_after_the_restart_and_ends_once()
    {
        var engine = new CountingEngine(models.Engine);
        var harness = await PipelineHarness.CreateAsync(_azurite, engine, models.Catalog.ModelIds, faults: new HarnessFaults
        {
            LockDuration = TimeSpan.FromSeconds(3),
            // A refused connection is retried by the client too; one quick retry keeps the down time short.
            Retry = new StorageRetryOptions { MaxRetries = 1, Delay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(50) },
        });
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        engine.Before = async ct =>
        {
            if (started.TrySetResult()) await release.Task.WaitAsync(ct);
        };
        string jobId = await SubmitAsync(harness);

        var running = harness.Processor.ProcessAsync(await ReceiveAsync(harness, TimeSpan.FromSeconds(10)), CancellationToken.None);
        await started.Task.WaitAsync(TimeSpan.FromMinutes(1));
        Exception? whileDown = null;
        await _azurite.RestartAsync(whileDown: async () =>
        {
            // The run ends while storage is down: its result writes fail, and so does handing the message back.
            release.SetResult();
            whileDown = await Record.ExceptionAsync(() => running.WaitAsync(TimeSpan.FromMinutes(1)));
        });

        Assert.NotNull(whileDown);
        Assert.True(TransientFailures.IsTransient(whileDown), $"not a transient failure: {whileDown}");
        Assert.Equal(JobStatus.Running, (await harness.Statuses.ReadAsync(jobId, CancellationToken.None))!.Status);
        var again = await ReceiveAsync(harness, TimeSpan.FromSeconds(30));
        Assert.Equal(2, again.DeliveryCount);
        await harness.Processor.ProcessAsync(again, CancellationToken.None);

        Assert.Equal(2, engine.Calls);
        var status = await AssertOneTerminalResultAsync(harness, jobId, JobStatus.Succeeded);
        Assert.Equal(2, status.Attempt);
    }
}
