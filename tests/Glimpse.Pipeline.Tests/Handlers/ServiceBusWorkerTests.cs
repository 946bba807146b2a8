using Azure.Messaging.ServiceBus;
using Glimpse.Explain.Report;
using Glimpse.Pipeline.Contracts;
using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Tests.Transport.Contract;
using Glimpse.Pipeline.Transport.ServiceBus;
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
    [Fact]
    public async Task A_job_through_service_bus_ends_in_one_result_and_one_completion_event()
    {
        await using var peer = ServiceBusTestPeer.Start();
        var options = new ServiceBusTransportOptions { ConnectionString = peer.ConnectionString, ReceiveWaitTime = TimeSpan.FromSeconds(1) };
        // A lock shorter than the job, so the loop's renewals (renew-lock on $management) are what keep it.
        var queue = peer.CreateQueue(options.QueueName, new PeerEntityOptions
        {
            LockDuration = TimeSpan.FromSeconds(2), MaxDeliveryCount = 5, DuplicateDetectionWindow = ServiceBusUnderTest.DuplicateDetectionWindow,
        });
        var topic = peer.CreateTopic(options.TopicName, [ServiceBusUnderTest.Subscription]);
        await using var bus = new ServiceBusTransport(options);
        var engine = new CountingEngine(models.Engine) { Before = ct => Task.Delay(TimeSpan.FromSeconds(3), ct) };
        var harness = await PipelineHarness.CreateAsync(azurite, engine, models.Catalog.ModelIds, messaging: new HarnessMessaging(bus.WorkQueue, bus.Events));
        string jobId = PipelineHarness.NewJobId();
        string manifestBlob = await harness.UploadJobAsync(jobId, TestManifests.Bytes(TestManifests.Valid()), TinyModels.LlavaImage());

        Assert.Equal(IngestDecision.Accepted, (await harness.Ingest.HandleAsync(manifestBlob, CancellationToken.None)).Decision);
        Assert.Equal(jobId, Assert.Single(queue.Messages()).MessageId);

        var loopOptions = new WorkerLoopOptions { LockRenewalInterval = TimeSpan.FromMilliseconds(500), IdleDelay = TimeSpan.FromMilliseconds(100) };
        using (var stopping = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            var loop = new WorkerLoop(bus.Receiver, harness.Processor, loopOptions, NullLogger<WorkerLoop>.Instance).RunAsync(stopping.Token);
            // Until the message is settled: the status reads succeeded a moment before the completion event is sent.
            while (queue.Messages().Count > 0 || (await harness.Statuses.ReadAsync(jobId, CancellationToken.None))?.Status != JobStatus.Succeeded)
            {
                Assert.False(loop.IsCompleted, "the worker loop ended early");
                await Task.Delay(100);
            }
            await stopping.CancelAsync();
            await loop;
        }

        // One delivery, held past its 2 s lock by renewals alone.
        Assert.Equal(1, engine.Calls);
        Assert.True(queue.LockRenewals >= 2, $"{queue.LockRenewals} renewals");
        var status = (await harness.Statuses.ReadAsync(jobId, CancellationToken.None))!;
        Assert.Equal(1, status.Attempt);
        var result = ResultJson.Deserialize((await harness.ResultBlobAsync(BlobLayout.ResultBlobs(jobId).ResultJson))!.ToString());
        Assert.Equal("glimpse", result.Method);
        Assert.Empty(queue.Messages());
        Assert.Empty(queue.DeadLetterQueue!.Messages());

        await using var subscriber = new ServiceBusClient(peer.ConnectionString);
        var events = await ServiceBusUnderTest.ReceiveAllAsync(subscriber.CreateReceiver(options.TopicName, ServiceBusUnderTest.Subscription));
        var completed = Assert.Single(events);
        Assert.Equal($"{jobId}.completed", completed.MessageId);
        var completion = PipelineJson.Deserialize<CompletionEvent>(completed.Body);
        Assert.Equal((jobId, JobStatus.Succeeded, result.Answer), (completion.JobId, completion.Status, completion.Answer));
        Assert.Equal("succeeded", completed.ApplicationProperties["status"]);
        Assert.Single(topic.Subscriptions.Values);
    }
}
