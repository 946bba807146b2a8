using System.Diagnostics;
using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Telemetry;
using Glimpse.Pipeline.Transport;
using Glimpse.Processing.Jobs;

namespace Glimpse.Pipeline.Tests.Transport.Contract;

/// <summary>
/// The behaviour the pipeline relies on from a transport, asserted the same way for each one through IWorkQueue,
/// IWorkReceiver, IReceivedWork and IEventPublisher. Where transports differ by design, <see cref="TransportGuarantees"/>
/// says how, and the test checks the declared behaviour.
/// </summary>
public abstract class TransportContract
{
    private static readonly ContractSettings Default = new(TimeSpan.FromSeconds(30), MaxDeliveryCount: 3);
    /// <summary>How long a test waits for a message it expects (a lapsed lock takes about a lock duration to redeliver).</summary>
    private static readonly TimeSpan Expected = TimeSpan.FromSeconds(20);

    protected abstract Task<ITransportUnderTest> StartAsync(ContractSettings settings);

    protected static WorkMessage Work(string jobId) => new()
    {
        JobId = jobId, ManifestBlob = BlobLayout.ManifestBlob(jobId), ImageBlob = BlobLayout.ImageBlob(jobId, "image.png"),
        Model = TinyModels.Llava, Method = "glimpse", CorrelationId = "corr-" + jobId,
    };

    private static Task<IReceivedWork> ReceiveAsync(ITransportUnderTest transport) => Receiving.NextAsync(transport.Receiver, Expected);

    /// <summary>A fresh transport with one job's message sent and received; disposing it disposes the transport.</summary>
    private async Task<SentWork> SendAndReceiveAsync(ContractSettings? settings = null)
    {
        var transport = await StartAsync(settings ?? Default);
        string jobId = PipelineHarness.NewJobId();
        await transport.WorkQueue.SendAsync(Work(jobId), CancellationToken.None);
        return new SentWork(transport, jobId, await ReceiveAsync(transport));
    }

    private sealed record SentWork(ITransportUnderTest Transport, string JobId, IReceivedWork Work) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Transport.DisposeAsync();
    }

    [Fact]
    public async Task A_sent_message_arrives_with_its_id_correlation_id_content_type_properties_and_trace_context()
    {
        await using var transport = await StartAsync(Default);
        string jobId = PipelineHarness.NewJobId();
        using var activity = new Activity("ingest").SetIdFormat(ActivityIdFormat.W3C).Start();

        await transport.WorkQueue.SendAsync(Work(jobId), CancellationToken.None);
        activity.Stop();
        var work = await ReceiveAsync(transport);

        Assert.Equal(jobId, work.MessageId);
        Assert.Equal("corr-" + jobId, work.CorrelationId);
        Assert.Equal(OutgoingMessage.JsonContentType, work.ContentType);
        Assert.Equal(1, work.DeliveryCount);
        Assert.InRange(work.LockedUntil, DateTimeOffset.UtcNow.AddSeconds(20), DateTimeOffset.UtcNow.AddSeconds(31));
        Assert.Equal(jobId, work.ApplicationProperties[OutgoingMessage.Properties.JobId]);
        Assert.Equal(activity.Id, work.ApplicationProperties[TraceContext.TraceParent]);
        Assert.Equal(activity.TraceId, TraceContext.Extract(work.ApplicationProperties).TraceId);
        Assert.Equal(Work(jobId), PipelineJson.Deserialize<WorkMessage>(work.Body));
        await work.CompleteAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Completing_removes_the_message()
    {
        await using var sent = await SendAndReceiveAsync();
        var (transport, _, work) = sent;

        await work.CompleteAsync(CancellationToken.None);

        Assert.Equal(0, await transport.CountWorkAsync());
        Assert.Null(await transport.Receiver.ReceiveAsync(CancellationToken.None));
    }

    [Fact]
    public async Task An_abandoned_message_is_delivered_again_with_its_delivery_count_raised()
    {
        await using var sent = await SendAndReceiveAsync();
        var (transport, jobId, first) = sent;

        await first.AbandonAsync(CancellationToken.None);
        var second = await ReceiveAsync(transport);

        Assert.Equal((jobId, 2), (second.MessageId, second.DeliveryCount));
        await second.CompleteAsync(CancellationToken.None);
        Assert.Equal(0, await transport.CountWorkAsync());
    }

    [Fact]
    public async Task Renewing_extends_the_lock_and_the_renewed_message_can_still_be_completed()
    {
        await using var sent = await SendAndReceiveAsync();
        var (transport, _, work) = sent;
        var before = work.LockedUntil;

        // Storage's visibility times have whole-second resolution.
        await Task.Delay(1100);
        await work.RenewLockAsync(CancellationToken.None);

        Assert.True(work.LockedUntil > before, $"the lock ran to {before:O} and after renewal to {work.LockedUntil:O}");
        await work.CompleteAsync(CancellationToken.None);
        Assert.Equal(0, await transport.CountWorkAsync());
    }

    [Fact]
    public async Task Once_the_lock_lapsed_the_message_is_delivered_again_and_the_first_holder_can_neither_renew_nor_settle_it()
    {
        await using var sent = await SendAndReceiveAsync(new ContractSettings(TimeSpan.FromSeconds(1), MaxDeliveryCount: 5));
        var (transport, jobId, first) = sent;

        var second = await ReceiveAsync(transport);

        Assert.Equal((jobId, 2), (second.MessageId, second.DeliveryCount));
        await Assert.ThrowsAsync<LockLostException>(() => first.RenewLockAsync(CancellationToken.None));
        await Assert.ThrowsAsync<LockLostException>(() => first.CompleteAsync(CancellationToken.None));
        await Assert.ThrowsAsync<LockLostException>(() => first.DeadLetterAsync("InvalidJob", "too late", CancellationToken.None));
        // Abandoning a lost lock asks for what already happened: it is no error.
        await first.AbandonAsync(CancellationToken.None);
        await second.CompleteAsync(CancellationToken.None);
        Assert.Equal(0, await transport.CountWorkAsync());
        Assert.Empty(await transport.DeadLettersAsync());
    }

    [Fact]
    public async Task Dead_lettering_moves_the_message_to_the_dead_letter_queue_with_its_reason()
    {
        await using var sent = await SendAndReceiveAsync();
        var (transport, jobId, work) = sent;

        await work.DeadLetterAsync(JobProcessor.DeadLetterReasons.InvalidJob, "the image does not decode", CancellationToken.None);

        Assert.Equal(0, await transport.CountWorkAsync());
        var dead = Assert.Single(await transport.DeadLettersAsync());
        Assert.Equal(new DeadLetteredWork(jobId, JobProcessor.DeadLetterReasons.InvalidJob, "the image does not decode"), dead);
    }

    [Fact]
    public async Task A_message_abandoned_max_delivery_count_times_is_dead_lettered_by_the_broker_or_comes_back_past_the_limit()
    {
        var settings = Default with { MaxDeliveryCount = 2 };
        await using var sent = await SendAndReceiveAsync(settings);
        var (transport, jobId, work) = sent;

        await work.AbandonAsync(CancellationToken.None);
        work = await ReceiveAsync(transport);
        Assert.Equal(2, work.DeliveryCount);
        await work.AbandonAsync(CancellationToken.None);

        if (transport.Guarantees.BrokerEnforcesMaxDeliveryCount)
        {
            var dead = Assert.Single(await transport.DeadLettersAsync());
            Assert.Equal((jobId, JobProcessor.DeadLetterReasons.MaxDeliveryCountExceeded), (dead.MessageId, dead.Reason));
            Assert.Equal(0, await transport.CountWorkAsync());
        }
        else
        {
            // The JobProcessor sees DeliveryCount > MaxDeliveryCount and dead-letters it itself (JobProcessorTests).
            var third = await ReceiveAsync(transport);
            Assert.Equal((jobId, 3), (third.MessageId, third.DeliveryCount));
            Assert.Empty(await transport.DeadLettersAsync());
            await third.CompleteAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_message_id_sent_twice_within_the_window_is_delivered_once_where_duplicates_are_detected_and_twice_otherwise()
    {
        await using var transport = await StartAsync(Default);
        string jobId = PipelineHarness.NewJobId();

        await transport.WorkQueue.SendAsync(Work(jobId), CancellationToken.None);
        await transport.WorkQueue.SendAsync(Work(jobId), CancellationToken.None);
        var first = await ReceiveAsync(transport);
        await first.CompleteAsync(CancellationToken.None);

        if (transport.Guarantees.DropsDuplicateMessageIds)
        {
            Assert.Null(await transport.Receiver.ReceiveAsync(CancellationToken.None));
        }
        else
        {
            var second = await ReceiveAsync(transport);
            Assert.Equal(jobId, second.MessageId);
            await second.CompleteAsync(CancellationToken.None);
        }
        Assert.Equal(0, await transport.CountWorkAsync());
    }

    [Fact]
    public async Task A_published_completion_event_reaches_the_subscriber_keyed_by_its_job()
    {
        await using var transport = await StartAsync(Default);
        string jobId = PipelineHarness.NewJobId();
        var completion = new CompletionEvent
        {
            JobId = jobId, Status = JobStatus.Succeeded, Model = TinyModels.Llava, Method = "glimpse", CorrelationId = "corr-" + jobId,
            StatusUri = "http://status", CompletedAt = DateTimeOffset.UnixEpoch,
        };

        await transport.Events.PublishAsync(completion, CancellationToken.None);

        var received = Assert.Single(await transport.ReceiveCompletionsAsync());
        Assert.Equal($"{jobId}.completed", received.MessageId);
        Assert.Equal(PipelineJson.Serialize(completion).ToString(), PipelineJson.Serialize(received.Completion).ToString());
    }
}
