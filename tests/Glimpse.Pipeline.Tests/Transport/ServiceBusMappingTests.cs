using System.Diagnostics;
using Azure.Messaging.ServiceBus;
using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Telemetry;
using Glimpse.Pipeline.Transport;
using Glimpse.Pipeline.Transport.ServiceBus;

namespace Glimpse.Pipeline.Tests.Transport;

/// <summary>
/// The Service Bus transport's mapping, without a broker: what a sent message carries, and how a received one is read
/// and settled. The SDK's sender and receiver are stood in for by subclasses (their protected constructors exist for
/// that); a real AMQP peer is for the reliability suite.
/// </summary>
public sealed class ServiceBusMappingTests
{
    private static readonly WorkMessage Work = new()
    {
        JobId = "job-7", ManifestBlob = "jobs/job-7/job.json", ImageBlob = "jobs/job-7/image.png",
        Model = "llava_tiny", Method = "chefer", CorrelationId = "client-7",
    };

    [Fact]
    public async Task A_work_message_carries_the_job_id_correlation_id_content_type_and_trace_context()
    {
        var sender = new RecordingSender();
        using var activity = new Activity("ingest").SetIdFormat(ActivityIdFormat.W3C).Start();

        await new ServiceBusWorkQueue(sender).SendAsync(Work, CancellationToken.None);

        var sent = Assert.Single(sender.Sent);
        Assert.Equal("job-7", sent.MessageId);
        Assert.Equal("client-7", sent.CorrelationId);
        Assert.Equal("application/json", sent.ContentType);
        Assert.Equal(OutgoingMessage.WorkSubject, sent.Subject);
        Assert.Equal("job-7", sent.ApplicationProperties["job_id"]);
        Assert.Equal("1.0", sent.ApplicationProperties["schema_version"]);
        Assert.Equal(activity.Id, sent.ApplicationProperties[TraceContext.TraceParent]);
        Assert.Equal(Work, PipelineJson.Deserialize<WorkMessage>(sent.Body));
    }

    [Fact]
    public async Task A_completion_event_is_keyed_by_job_and_filterable_by_status_model_and_method()
    {
        var sender = new RecordingSender();
        var completion = new CompletionEvent
        {
            JobId = "job-7", Status = JobStatus.Failed, Model = "llava_tiny", Method = "chefer", CorrelationId = "client-7",
            StatusUri = "http://x/status.json", Reason = "bad", CompletedAt = DateTimeOffset.UnixEpoch,
        };

        await new ServiceBusEventPublisher(sender).PublishAsync(completion, CancellationToken.None);

        var sent = Assert.Single(sender.Sent);
        Assert.Equal("job-7.completed", sent.MessageId);
        Assert.Equal("client-7", sent.CorrelationId);
        Assert.Equal(OutgoingMessage.CompletionSubject, sent.Subject);
        Assert.Equal("failed", sent.ApplicationProperties["status"]);
        Assert.Equal("llava_tiny", sent.ApplicationProperties["model"]);
        Assert.Equal("chefer", sent.ApplicationProperties["method"]);
        Assert.False(sent.ApplicationProperties.ContainsKey(TraceContext.TraceParent));
        Assert.Equal(PipelineJson.Serialize(completion).ToString(), sent.Body.ToString());
    }

    [Fact]
    public async Task A_received_message_exposes_its_fields_and_continues_the_senders_trace()
    {
        using var producer = new Activity("send").SetIdFormat(ActivityIdFormat.W3C).Start();
        var lockedUntil = DateTimeOffset.UtcNow.AddMinutes(5);
        var message = ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: PipelineJson.Serialize(Work), messageId: "job-7", correlationId: "client-7", contentType: "application/json",
            properties: new Dictionary<string, object> { [TraceContext.TraceParent] = producer.Id!, ["job_id"] = "job-7" },
            deliveryCount: 3, lockedUntil: lockedUntil);
        producer.Stop();
        var receiver = new RecordingReceiver(message);

        var work = await new ServiceBusWorkReceiver(receiver, TimeSpan.FromSeconds(1)).ReceiveAsync(CancellationToken.None);

        Assert.NotNull(work);
        Assert.Equal("job-7", work.MessageId);
        Assert.Equal("client-7", work.CorrelationId);
        Assert.Equal("application/json", work.ContentType);
        Assert.Equal(3, work.DeliveryCount);
        Assert.Equal(lockedUntil, work.LockedUntil);
        Assert.Equal(Work, PipelineJson.Deserialize<WorkMessage>(work.Body));
        Assert.Equal(producer.TraceId, TraceContext.Extract(work.ApplicationProperties).TraceId);
    }

    [Fact]
    public async Task Settlements_go_to_the_receiver_and_long_dead_letter_texts_are_cut()
    {
        var message = ServiceBusModelFactory.ServiceBusReceivedMessage(messageId: "job-7");
        var receiver = new RecordingReceiver(message);
        var work = new ServiceBusReceivedWork(receiver, message);

        await work.RenewLockAsync(CancellationToken.None);
        await work.AbandonAsync(CancellationToken.None);
        await work.DeadLetterAsync("InvalidJob", new string('x', 10_000), CancellationToken.None);
        await work.CompleteAsync(CancellationToken.None);

        Assert.Equal(["renew", "abandon", "dead-letter", "complete"], receiver.Calls);
        Assert.Equal("InvalidJob", receiver.DeadLetterReason);
        Assert.Equal(ServiceBusMessageMapping.MaxDescriptionChars, receiver.DeadLetterDescription!.Length);
    }

    [Fact]
    public async Task A_lost_lock_is_a_lock_lost_exception_except_when_abandoning()
    {
        var message = ServiceBusModelFactory.ServiceBusReceivedMessage(messageId: "job-7");
        var work = new ServiceBusReceivedWork(new RecordingReceiver(message) { LockLost = true }, message);

        await Assert.ThrowsAsync<LockLostException>(() => work.RenewLockAsync(CancellationToken.None));
        await Assert.ThrowsAsync<LockLostException>(() => work.CompleteAsync(CancellationToken.None));
        await Assert.ThrowsAsync<LockLostException>(() => work.DeadLetterAsync("r", "d", CancellationToken.None));
        await work.AbandonAsync(CancellationToken.None);
    }

    private sealed class RecordingSender : ServiceBusSender
    {
        public List<ServiceBusMessage> Sent { get; } = [];

        public override Task SendMessageAsync(ServiceBusMessage message, CancellationToken cancellationToken = default)
        {
            Sent.Add(message);
            return Task.CompletedTask;
        }
    }

    private sealed class RecordingReceiver(ServiceBusReceivedMessage next) : ServiceBusReceiver
    {
        public List<string> Calls { get; } = [];
        public bool LockLost { get; init; }
        public string? DeadLetterReason { get; private set; }
        public string? DeadLetterDescription { get; private set; }

        public override Task<ServiceBusReceivedMessage> ReceiveMessageAsync(TimeSpan? maxWaitTime = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(next);

        public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) => Record("complete");

        public override Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null,
            CancellationToken cancellationToken = default) => Record("abandon");

        public override Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, string deadLetterReason, string? deadLetterErrorDescription = null,
            CancellationToken cancellationToken = default)
        {
            DeadLetterReason = deadLetterReason;
            DeadLetterDescription = deadLetterErrorDescription;
            return Record("dead-letter");
        }

        public override Task RenewMessageLockAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) => Record("renew");

        private Task Record(string call)
        {
            if (LockLost) throw new ServiceBusException("lock lost", ServiceBusFailureReason.MessageLockLost);
            Calls.Add(call);
            return Task.CompletedTask;
        }
    }
}
