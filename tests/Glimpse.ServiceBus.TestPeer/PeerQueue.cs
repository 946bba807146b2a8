using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Encoding;
using Microsoft.Azure.Amqp.Framing;
using Microsoft.Azure.Amqp.Transaction;

namespace Glimpse.ServiceBus.TestPeer;

/// <summary>
/// A queue, a topic's subscription, or either one's dead-letter queue: messages in sequence order, peek-lock
/// deliveries to the receive links attached to it (within the credit each link grants), settlement by disposition
/// or by lock token, lock renewal and lock expiry, and the move to the dead-letter queue.
/// </summary>
/// <remarks>
/// One lock guards the state. Nothing is sent on a link, and no other queue is entered, while it is held: the AMQP
/// library calls back into the queue from its I/O threads, and a send may take the link's own lock.
/// </remarks>
public sealed class PeerQueue
{
    public const string DeadLetterSuffix = "/$DeadLetterQueue";
    internal const string MaxDeliveryCountExceeded = "MaxDeliveryCountExceeded";
    private static readonly Rejected LockLostOutcome = new()
    {
        Error = new Error
        {
            Condition = "com.microsoft:message-lock-lost",
            Description = "The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.",
        },
    };

    private readonly object _sync = new();
    private readonly List<PeerMessage> _messages = [];
    private readonly Dictionary<Guid, PeerMessage> _locked = [];
    private readonly List<Consumer> _consumers = [];
    private readonly DuplicateDetector _duplicates;
    private readonly TimeProvider _time;
    private long _lastSequenceNumber;
    private int _lockRenewals;

    internal PeerQueue(string path, PeerEntityOptions options, TimeProvider time, bool withDeadLetterQueue = true)
    {
        Path = path;
        Options = options;
        _time = time;
        _duplicates = new DuplicateDetector(options.DuplicateDetectionWindow);
        // A dead-letter queue keeps what it receives: nothing expires into a further queue.
        DeadLetterQueue = withDeadLetterQueue
            ? new PeerQueue(path + DeadLetterSuffix, new PeerEntityOptions { LockDuration = options.LockDuration, MaxDeliveryCount = int.MaxValue }, time, false)
            : null;
    }

    public string Path { get; }
    public PeerEntityOptions Options { get; }
    public PeerQueue? DeadLetterQueue { get; }
    /// <summary>Successful lock renewals so far (tests check that a long job was kept by renewing).</summary>
    public int LockRenewals => Volatile.Read(ref _lockRenewals);

    /// <summary>The messages held, locked or not, in sequence order.</summary>
    public IReadOnlyList<PeerMessageView> Messages()
    {
        lock (_sync) return _messages.Select(message => message.View()).ToList();
    }

    private DateTime UtcNow => _time.GetUtcNow().UtcDateTime;

    /// <summary>Takes in a sent message (a copy of it), unless duplicate detection drops it.</summary>
    internal void Enqueue(PeerMessage sent, IReadOnlyDictionary<string, object>? extraProperties = null)
    {
        lock (_sync)
        {
            if (!_duplicates.Admit(sent.MessageId, UtcNow)) return;
            _messages.Add(sent.Enqueued(++_lastSequenceNumber, UtcNow, extraProperties));
        }
        Dispatch();
    }

    internal void Attach(SendingAmqpLink link)
    {
        var consumer = new Consumer(this, link);
        lock (_sync) _consumers.Add(consumer);
        link.Closed += (_, _) =>
        {
            // Locks outlive the link, as on Service Bus: they lapse at their time, then the message is delivered again.
            lock (_sync) _consumers.Remove(consumer);
        };
    }

    /// <summary>Extends a held lock by the lock duration from now; null when the lock is gone.</summary>
    internal DateTime? RenewLock(Guid lockToken)
    {
        PeerMessage? deadLetter = null;
        DateTime? lockedUntil = null;
        lock (_sync)
        {
            if (_locked.TryGetValue(lockToken, out var message))
            {
                if (message.LockedUntilUtc > UtcNow)
                {
                    lockedUntil = message.LockedUntilUtc = UtcNow + Options.LockDuration;
                    _lockRenewals++;
                }
                else deadLetter = ReleaseLocked(message);
            }
        }
        MoveToDeadLetterQueue(deadLetter, MaxDeliveryCountExceededProperties());
        return lockedUntil;
    }

    /// <summary>Settles the message a lock token holds; false when the lock is gone (expired, or already settled).</summary>
    internal bool Settle(Guid lockToken, Settlement settlement)
    {
        PeerMessage? deadLetter = null;
        IReadOnlyDictionary<string, object>? deadLetterProperties = MaxDeliveryCountExceededProperties();
        bool held;
        lock (_sync)
        {
            held = _locked.TryGetValue(lockToken, out var message) && message.LockedUntilUtc > UtcNow;
            if (message is not null && !held) deadLetter = ReleaseLocked(message);
            else if (message is not null)
            {
                switch (settlement.Kind)
                {
                    case SettlementKind.Complete:
                        Remove(message);
                        break;
                    case SettlementKind.Abandon:
                        message.ModifyProperties(settlement.PropertiesToModify);
                        deadLetter = ReleaseLocked(message);
                        break;
                    case SettlementKind.Release:
                        // Released: never handed to the application (the client releases what arrives unasked), so no attempt.
                        message.DeliveryCount--;
                        deadLetter = ReleaseLocked(message);
                        break;
                    case SettlementKind.DeadLetter:
                        Remove(message);
                        deadLetter = message;
                        deadLetterProperties = new Dictionary<string, object>
                        {
                            [PeerMessage.DeadLetterProperties.Reason] = settlement.DeadLetterReason ?? "",
                            [PeerMessage.DeadLetterProperties.Description] = settlement.DeadLetterDescription ?? "",
                        };
                        break;
                }
            }
        }
        MoveToDeadLetterQueue(deadLetter, deadLetterProperties);
        Dispatch();
        return held;
    }

    /// <summary>Releases the locks whose time ran out, as Service Bus does, and delivers those messages again.</summary>
    internal void ExpireLocks()
    {
        List<PeerMessage> deadLetters = [];
        int released;
        lock (_sync)
        {
            var expired = _locked.Values.Where(message => message.LockedUntilUtc <= UtcNow).ToList();
            released = expired.Count;
            foreach (var message in expired)
                if (ReleaseLocked(message) is { } exhausted) deadLetters.Add(exhausted);
        }
        foreach (var message in deadLetters) MoveToDeadLetterQueue(message, MaxDeliveryCountExceededProperties());
        if (released > 0) Dispatch();
    }

    /// <summary>Takes the lock off; returns the message when it has used up its deliveries and must be dead-lettered.</summary>
    private PeerMessage? ReleaseLocked(PeerMessage message)
    {
        _locked.Remove(message.LockToken!.Value);
        message.LockToken = null;
        if (message.DeliveryCount < Options.MaxDeliveryCount) return null;
        _messages.Remove(message);
        return message;
    }

    private void Remove(PeerMessage message)
    {
        _locked.Remove(message.LockToken!.Value);
        message.LockToken = null;
        _messages.Remove(message);
    }

    private IReadOnlyDictionary<string, object> MaxDeliveryCountExceededProperties() => new Dictionary<string, object>
    {
        [PeerMessage.DeadLetterProperties.Reason] = MaxDeliveryCountExceeded,
        [PeerMessage.DeadLetterProperties.Description] = $"Message could not be consumed after {Options.MaxDeliveryCount} delivery attempts.",
    };

    private void MoveToDeadLetterQueue(PeerMessage? message, IReadOnlyDictionary<string, object>? properties)
    {
        if (message is not null) DeadLetterQueue?.Enqueue(message, properties);
    }

    /// <summary>Delivers available messages to the links that have credit: peek-lock, or removed at once for receive-and-delete links.</summary>
    private void Dispatch()
    {
        var sends = new List<(Consumer Consumer, AmqpMessage Message, byte[] Tag)>();
        lock (_sync)
        {
            foreach (var consumer in _consumers)
            {
                while (consumer.Credit > 0 && _messages.FirstOrDefault(message => message.LockToken is null) is { } next)
                {
                    consumer.Credit--;
                    next.DeliveryCount++;
                    var lockToken = Guid.NewGuid();
                    if (consumer.SettlesOnSend)
                    {
                        _messages.Remove(next);
                        sends.Add((consumer, next.ToDelivery(locked: false), lockToken.ToByteArray()));
                        continue;
                    }
                    next.LockToken = lockToken;
                    next.LockedUntilUtc = UtcNow + Options.LockDuration;
                    _locked[lockToken] = next;
                    // The delivery tag is the lock token: the client reads it back as ServiceBusReceivedMessage.LockToken.
                    sends.Add((consumer, next.ToDelivery(locked: true), lockToken.ToByteArray()));
                }
            }
        }
        foreach (var (consumer, message, tag) in sends)
        {
            try
            {
                consumer.Link.SendMessageNoWait(message, new ArraySegment<byte>(tag), AmqpConstants.NullBinary);
            }
            catch (Exception e) when (e is AmqpException or ObjectDisposedException or InvalidOperationException)
            {
                // The link closed meanwhile: the lock lapses and the message is delivered again.
            }
        }
    }

    private void OnCredit(Consumer consumer, uint credit, bool drain)
    {
        lock (_sync) consumer.Credit = (int)Math.Min(int.MaxValue, (long)consumer.Credit + credit);
        Dispatch();
        // A drain asks for what is there now and no more: the rest of the credit is given up.
        if (drain) lock (_sync) consumer.Credit = 0;
    }

    private void OnDisposition(Consumer consumer, Delivery delivery)
    {
        var state = delivery.State is TransactionalState transactional ? transactional.Outcome : delivery.State;
        DeliveryState reply;
        if (delivery.DeliveryTag.Count != 16)
        {
            reply = LockLostOutcome;
        }
        else
        {
            var lockToken = new Guid(delivery.DeliveryTag.AsSpan());
            var settlement = state switch
            {
                Accepted => Settlement.Complete,
                Modified { UndeliverableHere: true } => null, // defer: not implemented by the peer
                Modified modified => Settlement.Abandon(modified.MessageAnnotations),
                // The client releases a message that arrives when no receive is waiting (prefetch 0).
                Released => Settlement.Release,
                Rejected rejected => Settlement.DeadLetter(Info(rejected, PeerMessage.DeadLetterProperties.Reason), Info(rejected, PeerMessage.DeadLetterProperties.Description)),
                _ => null,
            };
            reply = settlement is null
                ? new Rejected { Error = new Error { Condition = AmqpErrorCode.NotImplemented, Description = $"The test peer does not implement the outcome {state}." } }
                : !Settle(lockToken, settlement) ? LockLostOutcome
                // The client treats a Rejected carrying an error as a failed settlement, so a dead-letter is confirmed without one.
                : state is Rejected ? new Rejected() : state;
        }
        if (!delivery.Settled) consumer.Link.DisposeDelivery(delivery, true, reply);
    }

    private static string? Info(Rejected rejected, string key) =>
        rejected.Error?.Info is { } info && info.TryGetValue<string>(key, out var value) ? value : null;

    private sealed class Consumer
    {
        public Consumer(PeerQueue queue, SendingAmqpLink link)
        {
            Link = link;
            SettlesOnSend = link.Settings.SettleType == SettleMode.SettleOnSend;
            link.RegisterCreditListener((credit, drain, _) => queue.OnCredit(this, credit, drain));
            link.RegisterDispositionListener(delivery => queue.OnDisposition(this, delivery));
        }

        public SendingAmqpLink Link { get; }
        /// <summary>Receive-and-delete: the message is gone once sent.</summary>
        public bool SettlesOnSend { get; }
        /// <summary>Messages this link may still be sent (guarded by the queue's lock).</summary>
        public int Credit { get; set; }
    }
}

internal enum SettlementKind { Complete, Abandon, Release, DeadLetter }

/// <summary>A settlement, however it arrived: a disposition on the receive link, or update-disposition on $management.</summary>
internal sealed record Settlement(SettlementKind Kind, AmqpMap? PropertiesToModify = null, string? DeadLetterReason = null, string? DeadLetterDescription = null)
{
    public static readonly Settlement Complete = new(SettlementKind.Complete);
    public static readonly Settlement Release = new(SettlementKind.Release);
    public static Settlement Abandon(AmqpMap? propertiesToModify) => new(SettlementKind.Abandon, propertiesToModify);
    public static Settlement DeadLetter(string? reason, string? description) => new(SettlementKind.DeadLetter, null, reason, description);
}
