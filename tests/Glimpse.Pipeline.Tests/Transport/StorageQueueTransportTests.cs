using System.Diagnostics;
using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Telemetry;
using Glimpse.Pipeline.Transport;
using Glimpse.Pipeline.Transport.StorageQueues;

namespace Glimpse.Pipeline.Tests.Transport;

/// <summary>The Storage Queues transport against real Azurite: lock (visibility), renewal, abandon, dead-letter, lock loss.</summary>
[Collection(PipelineCollection.Name)]
public sealed class StorageQueueTransportTests(Azurite azurite, TinyModels models)
{
    private static WorkMessage Work(string jobId) => new()
    {
        JobId = jobId, ManifestBlob = BlobLayout.ManifestBlob(jobId), ImageBlob = BlobLayout.ImageBlob(jobId, "image.png"),
        Model = TinyModels.Llava, Method = "glimpse", CorrelationId = "corr-1",
    };

    private async Task<PipelineHarness> HarnessAsync() => await PipelineHarness.CreateAsync(azurite, models.Engine, models.Catalog.ModelIds);

    [Fact]
    public async Task A_sent_message_arrives_with_its_broker_fields_and_trace_context()
    {
        var harness = await HarnessAsync();
        string jobId = PipelineHarness.NewJobId();
        using var activity = new Activity("ingest").SetIdFormat(ActivityIdFormat.W3C).Start();

        await harness.Transport.WorkQueue.SendAsync(Work(jobId), CancellationToken.None);
        var work = await harness.Transport.Receiver.ReceiveAsync(CancellationToken.None);

        Assert.NotNull(work);
        Assert.Equal(jobId, work.MessageId);
        Assert.Equal("corr-1", work.CorrelationId);
        Assert.Equal("application/json", work.ContentType);
        Assert.Equal(1, work.DeliveryCount);
        Assert.True(work.LockedUntil > DateTimeOffset.UtcNow.AddSeconds(20));
        Assert.Equal(jobId, work.ApplicationProperties["job_id"]);
        Assert.Equal(activity.TraceId, TraceContext.Extract(work.ApplicationProperties).TraceId);
        Assert.Equal(Work(jobId), PipelineJson.Deserialize<WorkMessage>(work.Body));
        Assert.Null(await harness.Transport.Receiver.ReceiveAsync(CancellationToken.None));
    }

    [Fact]
    public async Task An_abandoned_message_comes_back_with_its_delivery_count_raised()
    {
        var harness = await HarnessAsync();
        await harness.Transport.WorkQueue.SendAsync(Work(PipelineHarness.NewJobId()), CancellationToken.None);

        var first = await harness.Transport.Receiver.ReceiveAsync(CancellationToken.None);
        await first!.AbandonAsync(CancellationToken.None);
        var second = await harness.Transport.Receiver.ReceiveAsync(CancellationToken.None);

        Assert.Equal(2, second!.DeliveryCount);
        await second.CompleteAsync(CancellationToken.None);
        Assert.Equal(0, await harness.CountAsync(harness.QueueOptions.WorkQueueName));
    }

    [Fact]
    public async Task Renewal_extends_the_lock_and_the_renewed_message_can_still_be_completed()
    {
        var harness = await HarnessAsync();
        await harness.Transport.WorkQueue.SendAsync(Work(PipelineHarness.NewJobId()), CancellationToken.None);
        var work = await harness.Transport.Receiver.ReceiveAsync(CancellationToken.None);
        var before = work!.LockedUntil;

        await Task.Delay(1100);
        await work.RenewLockAsync(CancellationToken.None);

        Assert.True(work.LockedUntil > before);
        await work.CompleteAsync(CancellationToken.None);
        Assert.Equal(0, await harness.CountAsync(harness.QueueOptions.WorkQueueName));
    }

    [Fact]
    public async Task Once_the_lock_lapsed_and_another_delivery_took_the_message_the_first_can_neither_renew_nor_settle()
    {
        var harness = await HarnessAsync();
        var shortLock = new StorageQueueTransportOptions
        {
            WorkQueueName = harness.QueueOptions.WorkQueueName, CompletionQueueName = harness.QueueOptions.CompletionQueueName,
            LockDuration = TimeSpan.FromSeconds(1),
        };
        var transport = new StorageQueueTransport(harness.Queues, shortLock);
        await transport.WorkQueue.SendAsync(Work(PipelineHarness.NewJobId()), CancellationToken.None);

        var first = await transport.Receiver.ReceiveAsync(CancellationToken.None);
        await Task.Delay(1500);
        var second = await transport.Receiver.ReceiveAsync(CancellationToken.None);

        Assert.Equal(2, second!.DeliveryCount);
        await Assert.ThrowsAsync<LockLostException>(() => first!.RenewLockAsync(CancellationToken.None));
        await Assert.ThrowsAsync<LockLostException>(() => first!.CompleteAsync(CancellationToken.None));
        await second.CompleteAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Dead_lettering_moves_the_message_to_the_poison_queue_with_its_reason()
    {
        var harness = await HarnessAsync();
        string jobId = PipelineHarness.NewJobId();
        await harness.Transport.WorkQueue.SendAsync(Work(jobId), CancellationToken.None);
        var work = await harness.Transport.Receiver.ReceiveAsync(CancellationToken.None);

        await work!.DeadLetterAsync("InvalidJob", "the image does not decode", CancellationToken.None);

        Assert.Equal(0, await harness.CountAsync(harness.QueueOptions.WorkQueueName));
        var record = PipelineJson.Deserialize<DeadLetterRecord>(Assert.Single(await harness.PeekAsync(harness.QueueOptions.PoisonQueueName)));
        Assert.Equal(jobId, record.MessageId);
        Assert.Equal("InvalidJob", record.Reason);
        Assert.Equal("the image does not decode", record.Description);
        Assert.Equal(1, record.DeliveryCount);
        Assert.Contains(jobId, record.OriginalMessage);
    }

    [Fact]
    public async Task A_message_that_is_no_envelope_still_arrives_with_its_text_as_the_body()
    {
        var harness = await HarnessAsync();
        await harness.Queues.GetQueueClient(harness.QueueOptions.WorkQueueName).SendMessageAsync("plain text");

        var work = await harness.Transport.Receiver.ReceiveAsync(CancellationToken.None);

        Assert.Equal("plain text", work!.Body.ToString());
        Assert.Empty(work.ApplicationProperties);
        await work.CompleteAsync(CancellationToken.None);
    }
}
