using Azure.Messaging.ServiceBus;
using Glimpse.Core.Contracts;
using Glimpse.Core.Results;
using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Tests.Transport.Contract;
using Glimpse.Pipeline.Transport;
using Glimpse.Pipeline.Transport.ServiceBus;
using Glimpse.Processing.Jobs;
using Glimpse.ServiceBus.TestPeer;
using Microsoft.Extensions.Logging.Abstractions;

namespace Glimpse.Pipeline.Tests.Handlers;

/// <summary>
/// The real ingest handler, WorkerLoop and JobProcessor with the Service Bus transport: work and completion events go
/// through the unmodified client to the AMQP test peer, blobs to Azurite, the model is the tiny LLaVA.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class ServiceBusWorkerTests(Azurite azurite, TinyModels models)
{
    /// <summary>A peer with the work queue and completion topic, the transport on it, and a harness whose messages go there.</summary>
    private sealed class BusPipeline : IAsyncDisposable
    {
        public required ServiceBusTestPeer Peer { get; init; }
        public required ServiceBusTransportOptions Options { get; init; }
        public required PeerQueue Queue { get; init; }
        public required ServiceBusTransport Bus { get; init; }
        public required PipelineHarness Harness { get; init; }
        public required CountingEngine Engine { get; init; }

        /// <summary>The completion events on the topic's subscription, as a subscriber receives them.</summary>
        public async Task<IReadOnlyList<ServiceBusReceivedMessage>> CompletionEventsAsync()
        {
            await using var subscriber = new ServiceBusClient(Peer.ConnectionString);
            return await ServiceBusUnderTest.ReceiveAllAsync(subscriber.CreateReceiver(Options.TopicName, ServiceBusUnderTest.Subscription));
        }

        public async ValueTask DisposeAsync()
        {
            await Bus.DisposeAsync();
            await Peer.DisposeAsync();
        }
    }

    private async Task<BusPipeline> StartAsync(PeerEntityOptions queueOptions, int processorMaxDeliveryCount = 5)
    {
        var peer = ServiceBusTestPeer.Start();
        var options = new ServiceBusTransportOptions { ConnectionString = peer.ConnectionString, ReceiveWaitTime = TimeSpan.FromSeconds(1) };
        var queue = peer.CreateQueue(options.QueueName, queueOptions with { DuplicateDetectionWindow = ServiceBusUnderTest.DuplicateDetectionWindow });
        peer.CreateTopic(options.TopicName, [ServiceBusUnderTest.Subscription]);
        var bus = new ServiceBusTransport(options);
        var engine = new CountingEngine(models.Engine);
        var harness = await PipelineHarness.CreateAsync(azurite, engine, models.Catalog.ModelIds, processorMaxDeliveryCount,
            new HarnessMessaging(bus.WorkQueue, bus.Events));
        return new BusPipeline { Peer = peer, Options = options, Queue = queue, Bus = bus, Harness = harness, Engine = engine };
    }

    private static async Task<string> SubmitAsync(BusPipeline pipeline)
    {
        string jobId = PipelineHarness.NewJobId();
        string manifestBlob = await pipeline.Harness.UploadJobAsync(jobId, TestManifests.Bytes(TestManifests.Valid()), TinyModels.LlavaImage());
        Assert.Equal(IngestDecision.Accepted, (await pipeline.Harness.Ingest.HandleAsync(manifestBlob, CancellationToken.None)).Decision);
        Assert.Equal(jobId, Assert.Single(pipeline.Queue.Messages()).MessageId);
        return jobId;
    }

    private static async Task<JobStatus?> StatusAsync(BusPipeline pipeline, string jobId) =>
        (await pipeline.Harness.Statuses.ReadAsync(jobId, CancellationToken.None))?.Status;

    [Fact]
    public async Task A_job_through_service_bus_ends_in_one_result_and_one_completion_event()
    {
        // A lock shorter than the job, so the loop's renewals (renew-lock on $management) are what keep it.
        await using var pipeline = await StartAsync(new PeerEntityOptions { LockDuration = TimeSpan.FromSeconds(2), MaxDeliveryCount = 5 });
        pipeline.Engine.Before = ct => Task.Delay(TimeSpan.FromSeconds(3), ct);
        string jobId = await SubmitAsync(pipeline);

        var loopOptions = new WorkerLoopOptions { LockRenewalInterval = TimeSpan.FromMilliseconds(500), IdleDelay = TimeSpan.FromMilliseconds(100) };
        using (var stopping = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            var loop = new WorkerLoop(pipeline.Bus.Receiver, pipeline.Harness.Processor, loopOptions, NullLogger<WorkerLoop>.Instance).RunAsync(stopping.Token);
            // Until the message is settled: the status reads succeeded a moment before the completion event is sent.
            while (pipeline.Queue.Messages().Count > 0 || await StatusAsync(pipeline, jobId) != JobStatus.Succeeded)
            {
                Assert.False(loop.IsCompleted, "the worker loop ended early");
                await Task.Delay(100);
            }
            await stopping.CancelAsync();
            await loop;
        }

        // One delivery, held past its 2 s lock by renewals alone.
        Assert.Equal(1, pipeline.Engine.Calls);
        Assert.True(pipeline.Queue.LockRenewals >= 2, $"{pipeline.Queue.LockRenewals} renewals");
        Assert.Equal(1, (await pipeline.Harness.Statuses.ReadAsync(jobId, CancellationToken.None))!.Attempt);
        var result = ResultJson.Deserialize((await pipeline.Harness.ResultBlobAsync(BlobLayout.ResultBlobs(jobId).ResultJson))!.ToString());
        Assert.Equal("glimpse", result.Method);
        Assert.Empty(pipeline.Queue.Messages());
        Assert.Empty(pipeline.Queue.DeadLetterQueue!.Messages());

        var completed = Assert.Single(await pipeline.CompletionEventsAsync());
        Assert.Equal($"{jobId}.completed", completed.MessageId);
        Assert.Equal("succeeded", completed.ApplicationProperties[OutgoingMessage.Properties.Status]);
        var completion = PipelineJson.Deserialize<CompletionEvent>(completed.Body);
        Assert.Equal((jobId, JobStatus.Succeeded, result.Answer), (completion.JobId, completion.Status, completion.Answer));
    }

    /// <summary>
    /// Service Bus dead-letters on its own once a message used up the queue's MaxDeliveryCount, writing no result. A job
    /// whose worker dies on every delivery (its locks lapse) ends with a failure result only if the queue allows one
    /// delivery more than the processor: the processor then sees the extra delivery and gives up itself.
    /// </summary>
    [Fact]
    public async Task A_job_whose_worker_dies_on_every_delivery_ends_failed_when_the_queue_allows_one_delivery_more_than_the_processor()
    {
        const int processorLimit = 2;
        await using var pipeline = await StartAsync(new PeerEntityOptions { LockDuration = TimeSpan.FromSeconds(1), MaxDeliveryCount = processorLimit + 1 },
            processorLimit);
        string jobId = await SubmitAsync(pipeline);

        // Two deliveries whose worker dies: nothing settles them, their locks lapse.
        for (int delivery = 1; delivery <= processorLimit; delivery++)
            Assert.Equal(delivery, (await Receiving.NextAsync(pipeline.Bus.Receiver, TimeSpan.FromSeconds(20))).DeliveryCount);
        var last = await Receiving.NextAsync(pipeline.Bus.Receiver, TimeSpan.FromSeconds(20));
        await pipeline.Harness.Processor.ProcessAsync(last, CancellationToken.None);

        Assert.Equal(0, pipeline.Engine.Calls);
        Assert.Equal(JobStatus.Failed, await StatusAsync(pipeline, jobId));
        var failure = PipelineJson.Deserialize<FailureDocument>((await pipeline.Harness.ResultBlobAsync(BlobLayout.FailureBlob(jobId)))!);
        Assert.Equal($"delivered {processorLimit + 1} times without finishing; the limit is {processorLimit}", failure.Reason);
        Assert.Empty(pipeline.Queue.Messages());
        var dead = Assert.Single(pipeline.Queue.DeadLetterQueue!.Messages());
        Assert.Equal((jobId, JobProcessor.DeadLetterReasons.MaxDeliveryCountExceeded), (dead.MessageId, dead.ApplicationProperties["DeadLetterReason"]));
        Assert.Equal(failure.Reason, dead.ApplicationProperties["DeadLetterErrorDescription"]);
        var completed = Assert.Single(await pipeline.CompletionEventsAsync());
        Assert.Equal("failed", completed.ApplicationProperties[OutgoingMessage.Properties.Status]);
    }
}
