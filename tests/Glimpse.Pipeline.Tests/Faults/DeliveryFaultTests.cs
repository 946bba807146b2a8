using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Storage;
using Glimpse.Pipeline.Transport.StorageQueues;
using Glimpse.Processing.Jobs;
using Microsoft.Extensions.Logging.Abstractions;
using static Glimpse.Pipeline.Tests.Faults.FaultTestKit;

namespace Glimpse.Pipeline.Tests.Faults;

/// <summary>
/// Faults between the worker and its services, on real Azurite and the tiny LLaVA model: a lock lost to another worker,
/// the completion publish failing after the results were written, and the results container failing writes. Each ends
/// with <see cref="FaultTestKit.AssertOneTerminalResultAsync"/>.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class DeliveryFaultTests(Azurite azurite, TinyModels models)
{
    /// <summary>Short client backoff, so a failing request's retries take milliseconds; the policy is the production one.</summary>
    private static readonly StorageRetryOptions QuickRetry = new() { MaxRetries = 2, Delay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(50) };

    private async Task<(PipelineHarness Harness, CountingEngine Engine)> HarnessAsync(int maxDeliveryCount = 5, HarnessFaults? faults = null)
    {
        var engine = new CountingEngine(models.Engine);
        return (await PipelineHarness.CreateAsync(azurite, engine, models.Catalog.ModelIds, maxDeliveryCount, faults: faults), engine);
    }

    private static async Task ProcessNextAsync(PipelineHarness harness) =>
        await harness.Processor.ProcessAsync(await ReceiveAsync(harness, TimeSpan.FromSeconds(10)), CancellationToken.None);

    [Fact]
    public async Task A_worker_that_lost_its_lock_mid_job_is_cancelled_and_the_worker_that_took_over_ends_the_job_once()
    {
        // The lock lasts 2 s and the first worker renews only after 4 s: by then another worker holds the message.
        var (harness, engine) = await HarnessAsync(faults: new HarnessFaults { LockDuration = TimeSpan.FromSeconds(2) });
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool firstCancelled = false;
        engine.Before = async ct =>
        {
            if (firstStarted.TrySetResult())
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                catch (OperationCanceledException)
                {
                    firstCancelled = true;
                    throw;
                }
            }
        };
        string jobId = await SubmitAsync(harness);
        var slowWorker = new WorkerLoop(harness.Transport.Receiver, harness.Processor,
            new WorkerLoopOptions { LockRenewalInterval = TimeSpan.FromSeconds(4) }, NullLogger<WorkerLoop>.Instance);
        var fastWorker = new WorkerLoop(harness.Transport.Receiver, harness.Processor,
            new WorkerLoopOptions { LockRenewalInterval = TimeSpan.FromMilliseconds(500) }, NullLogger<WorkerLoop>.Instance);

        var first = slowWorker.ProcessOneAsync(await ReceiveAsync(harness, TimeSpan.FromSeconds(10)), CancellationToken.None);
        await firstStarted.Task.WaitAsync(TimeSpan.FromMinutes(1));
        var second = await ReceiveAsync(harness, TimeSpan.FromSeconds(30));
        Assert.Equal(2, second.DeliveryCount);
        await fastWorker.ProcessOneAsync(second, CancellationToken.None);
        await first.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(firstCancelled, "the first worker's run was not cancelled when its lock was lost");
        Assert.Equal(2, engine.Calls);
        var status = await AssertOneTerminalResultAsync(harness, jobId, JobStatus.Succeeded);
        Assert.Equal(2, status.Attempt);
    }

    [Fact]
    public async Task A_completion_publish_failing_after_the_results_were_written_is_sent_once_on_redelivery_without_recomputing()
    {
        FailingEventPublisher? publisher = null;
        var (harness, engine) = await HarnessAsync(faults: new HarnessFaults { DecorateEvents = inner => publisher = new FailingEventPublisher(inner) { FailuresLeft = 2 } });
        string jobId = await SubmitAsync(harness);

        await ProcessNextAsync(harness);
        var written = await harness.Blobs.GetBlobContainerClient(BlobLayout.ResultsContainer)
            .GetBlobClient(BlobLayout.ResultBlobs(jobId).ResultJson).GetPropertiesAsync();
        Assert.Equal(JobStatus.Succeeded, (await harness.Statuses.ReadAsync(jobId, CancellationToken.None))!.Status);
        Assert.Empty(await harness.CompletionsAsync());
        await ProcessNextAsync(harness);
        Assert.Empty(await harness.CompletionsAsync());
        await ProcessNextAsync(harness);

        Assert.Equal((3, 1), (publisher!.Attempts, publisher.Published));
        Assert.Equal(1, engine.Calls);
        await AssertOneTerminalResultAsync(harness, jobId, JobStatus.Succeeded);
        var after = await harness.Blobs.GetBlobContainerClient(BlobLayout.ResultsContainer)
            .GetBlobClient(BlobLayout.ResultBlobs(jobId).ResultJson).GetPropertiesAsync();
        Assert.Equal(written.Value.ETag, after.Value.ETag);
    }

    [Fact]
    public async Task A_completion_publish_failing_up_to_the_last_delivery_never_turns_the_success_into_a_failure()
    {
        // Found by this test: the give-up path after the last delivery wrote failure.json beside a succeeded job's results
        // and dead-lettered its message. A job whose outcome is recorded keeps it; only the event is still owed.
        FailingEventPublisher? publisher = null;
        var (harness, engine) = await HarnessAsync(maxDeliveryCount: 2,
            faults: new HarnessFaults { DecorateEvents = inner => publisher = new FailingEventPublisher(inner) { FailuresLeft = 2 } });
        string jobId = await SubmitAsync(harness);

        await ProcessNextAsync(harness);
        await ProcessNextAsync(harness);

        Assert.Equal(1, engine.Calls);
        Assert.Equal(1, publisher!.Published);
        await AssertOneTerminalResultAsync(harness, jobId, JobStatus.Succeeded);
        Assert.Equal(0, await harness.CountAsync(harness.QueueOptions.PoisonQueueName));
    }

    [Fact]
    public async Task Result_writes_failing_briefly_are_retried_by_the_storage_client_with_backoff_and_the_job_succeeds_on_its_first_delivery()
    {
        var outage = new ResultFileWriteOutage { FailNext = QuickRetry.MaxRetries };
        var (harness, engine) = await HarnessAsync(faults: new HarnessFaults { BlobClientOptions = outage.ClientOptions(), Retry = QuickRetry });
        string jobId = await SubmitAsync(harness);

        await ProcessNextAsync(harness);

        Assert.Equal(QuickRetry.MaxRetries, outage.Failed);
        // The three views are written together, so the failures fell on whichever came first; each file was retried
        // until it went through, and result.json was not attempted until all three views were written.
        var attempts = outage.Attempts;
        Assert.Equal(4 + QuickRetry.MaxRetries, attempts.Count);
        Assert.Equal(4, attempts.Distinct().Count());
        Assert.EndsWith("/result.json", attempts[^1], StringComparison.Ordinal);
        Assert.Single(attempts, a => a.EndsWith("/result.json", StringComparison.Ordinal));
        Assert.Equal(1, engine.Calls);
        var status = await AssertOneTerminalResultAsync(harness, jobId, JobStatus.Succeeded);
        Assert.Equal(1, status.Attempt);
    }

    [Fact]
    public async Task Result_writes_failing_through_one_delivery_abandon_it_and_the_next_delivery_succeeds_once_storage_is_back()
    {
        var outage = new ResultFileWriteOutage { Down = true };
        var (harness, engine) = await HarnessAsync(faults: new HarnessFaults { BlobClientOptions = outage.ClientOptions(), Retry = QuickRetry });
        string jobId = await SubmitAsync(harness);

        await ProcessNextAsync(harness);
        // Each of the three views was tried with its retries; result.json, which would say "all written", never was.
        Assert.Equal(3 * (QuickRetry.MaxRetries + 1), outage.Failed);
        Assert.DoesNotContain(outage.Attempts, a => a.EndsWith("/result.json", StringComparison.Ordinal));
        Assert.Equal(JobStatus.Running, (await harness.Statuses.ReadAsync(jobId, CancellationToken.None))!.Status);
        Assert.Equal(["status.json"], await ResultFolderAsync(harness.Blobs, jobId));
        outage.Down = false;
        await ProcessNextAsync(harness);

        Assert.Equal(2, engine.Calls);
        var status = await AssertOneTerminalResultAsync(harness, jobId, JobStatus.Succeeded);
        Assert.Equal(2, status.Attempt);
    }

    [Fact]
    public async Task Result_writes_failing_through_every_delivery_end_the_job_failed_with_the_storage_error_and_dead_letter_it()
    {
        var outage = new ResultFileWriteOutage { Down = true };
        var (harness, _) = await HarnessAsync(maxDeliveryCount: 2, faults: new HarnessFaults { BlobClientOptions = outage.ClientOptions(), Retry = QuickRetry });
        string jobId = await SubmitAsync(harness);

        await ProcessNextAsync(harness);
        await ProcessNextAsync(harness);

        var status = await AssertOneTerminalResultAsync(harness, jobId, JobStatus.Failed);
        Assert.Contains("gave up after 2 deliveries; the last failed with:", status.Reason);
        Assert.Contains("503", status.Reason);
        var dead = PipelineJson.Deserialize<DeadLetterRecord>(Assert.Single(await harness.PeekAsync(harness.QueueOptions.PoisonQueueName)));
        Assert.Equal(JobProcessor.DeadLetterReasons.MaxDeliveryCountExceeded, dead.Reason);
    }
}
