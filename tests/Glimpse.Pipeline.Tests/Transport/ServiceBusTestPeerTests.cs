using Azure.Messaging.ServiceBus;
using Glimpse.ServiceBus.TestPeer;

namespace Glimpse.Pipeline.Tests.Transport;

/// <summary>
/// The test peer's own behaviour where the transport contract does not reach it, through the unmodified client: a
/// missing entity, fan-out to several subscriptions, settlement by lock token from another receiver, and the end of
/// the duplicate-detection window.
/// </summary>
public sealed class ServiceBusTestPeerTests
{
    /// <summary>Moves the peer's clock forward on demand; timers still run on real time.</summary>
    private sealed class AdjustableTime : TimeProvider
    {
        public TimeSpan Offset { get; set; }
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
    }

    private static ServiceBusMessage Message(string id) => new(BinaryData.FromString("body of " + id)) { MessageId = id };

    [Fact]
    public async Task Sending_to_an_entity_the_peer_does_not_have_fails_as_not_found()
    {
        await using var peer = ServiceBusTestPeer.Start();
        await using var client = new ServiceBusClient(peer.ConnectionString);

        var error = await Assert.ThrowsAsync<ServiceBusException>(() => client.CreateSender("missing").SendMessageAsync(Message("m1")));

        Assert.Equal(ServiceBusFailureReason.MessagingEntityNotFound, error.Reason);
    }

    [Fact]
    public async Task A_message_sent_to_a_topic_reaches_every_subscription_once()
    {
        await using var peer = ServiceBusTestPeer.Start();
        peer.CreateTopic("events", ["audit", "billing"]);
        await using var client = new ServiceBusClient(peer.ConnectionString);

        await client.CreateSender("events").SendMessageAsync(Message("m1"));

        foreach (string subscription in new[] { "audit", "billing" })
        {
            var receiver = client.CreateReceiver("events", subscription);
            var received = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(("m1", "body of m1"), (received.MessageId, received.Body.ToString()));
            await receiver.CompleteMessageAsync(received);
            Assert.Empty(peer.Topic("events").Subscriptions[subscription].Messages());
        }
    }

    [Fact]
    public async Task A_lock_token_settles_its_message_from_another_receiver_through_update_disposition()
    {
        await using var peer = ServiceBusTestPeer.Start();
        var queue = peer.CreateQueue("jobs");
        await using var client = new ServiceBusClient(peer.ConnectionString);
        await client.CreateSender("jobs").SendMessageAsync(Message("m1"));
        var received = await client.CreateReceiver("jobs").ReceiveMessageAsync(TimeSpan.FromSeconds(5));

        // The second receiver's link never saw the delivery, so the client settles by lock token on $management.
        await client.CreateReceiver("jobs").DeadLetterMessageAsync(received, "Reason", "settled elsewhere");

        Assert.Empty(queue.Messages());
        var dead = Assert.Single(queue.DeadLetterQueue!.Messages());
        Assert.Equal(("Reason", "settled elsewhere"), (dead.ApplicationProperties["DeadLetterReason"], dead.ApplicationProperties["DeadLetterErrorDescription"]));
    }

    [Fact]
    public async Task A_message_id_is_accepted_again_once_the_duplicate_detection_window_has_passed()
    {
        var time = new AdjustableTime();
        await using var peer = ServiceBusTestPeer.Start(time);
        var queue = peer.CreateQueue("jobs", new PeerEntityOptions { DuplicateDetectionWindow = TimeSpan.FromMinutes(10) });
        await using var client = new ServiceBusClient(peer.ConnectionString);
        var sender = client.CreateSender("jobs");

        await sender.SendMessageAsync(Message("m1"));
        time.Offset = TimeSpan.FromMinutes(9);
        await sender.SendMessageAsync(Message("m1"));
        Assert.Single(queue.Messages());
        time.Offset = TimeSpan.FromMinutes(11);
        await sender.SendMessageAsync(Message("m1"));

        Assert.Equal(2, queue.Messages().Count);
    }
}
