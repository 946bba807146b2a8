using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Encoding;
using Microsoft.Azure.Amqp.Framing;

namespace Glimpse.ServiceBus.TestPeer;

/// <summary>
/// A message as the peer stores it: the sender's sections, copied out of the transfer (whose buffers the link reuses),
/// and the broker state Service Bus keeps beside them (sequence number, enqueue time, deliveries, lock). Every
/// delivery is a fresh <see cref="AmqpMessage"/> built from these, stamped the way Service Bus stamps one.
/// </summary>
internal sealed class PeerMessage
{
    /// <summary>Service Bus's message annotations (the client reads them into SequenceNumber, EnqueuedTime, LockedUntil).</summary>
    internal static class Annotations
    {
        public const string SequenceNumber = "x-opt-sequence-number";
        public const string EnqueuedTime = "x-opt-enqueued-time";
        public const string LockedUntil = "x-opt-locked-until";
    }

    /// <summary>The application properties Service Bus adds to a dead-lettered message.</summary>
    internal static class DeadLetterProperties
    {
        public const string Reason = "DeadLetterReason";
        public const string Description = "DeadLetterErrorDescription";
    }

    private readonly IReadOnlyList<byte[]>? _dataBody;
    private readonly object? _valueBody;
    private readonly Properties _properties;
    private readonly Dictionary<string, object> _applicationProperties;
    private readonly List<KeyValuePair<MapKey, object>> _messageAnnotations;

    private PeerMessage(IReadOnlyList<byte[]>? dataBody, object? valueBody, Properties properties,
        Dictionary<string, object> applicationProperties, List<KeyValuePair<MapKey, object>> messageAnnotations)
    {
        _dataBody = dataBody;
        _valueBody = valueBody;
        _properties = properties;
        _applicationProperties = applicationProperties;
        _messageAnnotations = messageAnnotations;
    }

    public string? MessageId => _properties.MessageId?.ToString();
    public long SequenceNumber { get; private set; }
    public DateTime EnqueuedAtUtc { get; private set; }
    /// <summary>Deliveries so far (the client shows this; AMQP's header carries it minus one).</summary>
    public int DeliveryCount { get; set; }
    public Guid? LockToken { get; set; }
    public DateTime LockedUntilUtc { get; set; }

    /// <summary>
    /// The messages a transfer carries: one, or for Service Bus's batch format (message-format 0x80013700) each
    /// Data section is an encoded message of its own.
    /// </summary>
    public static IReadOnlyList<PeerMessage> FromTransfer(AmqpMessage transfer)
    {
        const uint BatchFormat = 0x80013700;
        if (transfer.MessageFormat != BatchFormat) return [From(transfer)];
        var messages = new List<PeerMessage>();
        foreach (var data in transfer.DataBody)
        {
            var bytes = Copy(data);
            using var inner = AmqpMessage.CreateAmqpStreamMessage(new BufferListStream([new ArraySegment<byte>(bytes)]));
            messages.Add(From(inner));
        }
        return messages;
    }

    private static PeerMessage From(AmqpMessage source)
    {
        IReadOnlyList<byte[]>? dataBody = null;
        object? valueBody = null;
        if ((source.BodyType & SectionFlag.Data) != 0) dataBody = source.DataBody.Select(Copy).ToList();
        else if ((source.BodyType & SectionFlag.AmqpValue) != 0) valueBody = source.ValueBody.Value;
        else throw new AmqpException(AmqpErrorCode.NotImplemented, "The test peer stores Data and AmqpValue bodies only.");

        var properties = new Properties();
        if ((source.Sections & SectionFlag.Properties) != 0) CopyProperties(source.Properties, properties);
        var applicationProperties = new Dictionary<string, object>(StringComparer.Ordinal);
        if ((source.Sections & SectionFlag.ApplicationProperties) != 0)
            foreach (var (key, value) in source.ApplicationProperties.Map) applicationProperties[(string)key.Key] = value;
        var annotations = (source.Sections & SectionFlag.MessageAnnotations) != 0
            ? source.MessageAnnotations.Map.ToList()
            : [];
        return new PeerMessage(dataBody, valueBody, properties, applicationProperties, annotations);
    }

    /// <summary>This message as entered into an entity: a copy (a topic gives each subscription its own) with a sequence number.</summary>
    public PeerMessage Enqueued(long sequenceNumber, DateTime enqueuedAtUtc, IReadOnlyDictionary<string, object>? extraProperties = null)
    {
        var properties = new Dictionary<string, object>(_applicationProperties, StringComparer.Ordinal);
        if (extraProperties is not null)
            foreach (var (key, value) in extraProperties) properties[key] = value;
        return new PeerMessage(_dataBody, _valueBody, _properties, properties, _messageAnnotations)
        {
            SequenceNumber = sequenceNumber,
            EnqueuedAtUtc = enqueuedAtUtc,
            DeliveryCount = DeliveryCount,
        };
    }

    /// <summary>Abandon's "properties to modify" (sent as the Modified outcome's annotations) update application properties.</summary>
    public void ModifyProperties(AmqpMap? changes)
    {
        if (changes is null) return;
        foreach (var (key, value) in changes) _applicationProperties[key.Key.ToString()!] = value;
    }

    public PeerMessageView View() => new(SequenceNumber, MessageId, DeliveryCount, LockToken is not null,
        new Dictionary<string, object>(_applicationProperties, StringComparer.Ordinal));

    /// <summary>A delivery of this message: header delivery-count is the number of earlier deliveries (AMQP's meaning).</summary>
    public AmqpMessage ToDelivery(bool locked)
    {
        var message = _dataBody is not null
            ? AmqpMessage.Create(_dataBody.Select(bytes => new Data { Value = new ArraySegment<byte>(bytes) }))
            : AmqpMessage.Create(new AmqpValue { Value = _valueBody });
        CopyProperties(_properties, message.Properties);
        message.ApplicationProperties = new ApplicationProperties();
        foreach (var (key, value) in _applicationProperties) message.ApplicationProperties.Map[key] = value;
        foreach (var (key, value) in _messageAnnotations) message.MessageAnnotations.Map[key] = value;
        message.MessageAnnotations.Map[Annotations.SequenceNumber] = SequenceNumber;
        message.MessageAnnotations.Map[Annotations.EnqueuedTime] = EnqueuedAtUtc;
        if (locked) message.MessageAnnotations.Map[Annotations.LockedUntil] = LockedUntilUtc;
        message.Header.Durable = true;
        message.Header.DeliveryCount = (uint)Math.Max(0, DeliveryCount - 1);
        return message;
    }

    private static void CopyProperties(Properties from, Properties to)
    {
        to.MessageId = from.MessageId;
        to.UserId = from.UserId.Array is null ? default : new ArraySegment<byte>(from.UserId.ToArray());
        to.To = from.To;
        to.Subject = from.Subject;
        to.ReplyTo = from.ReplyTo;
        to.CorrelationId = from.CorrelationId;
        to.ContentType = from.ContentType;
        to.ContentEncoding = from.ContentEncoding;
        to.AbsoluteExpiryTime = from.AbsoluteExpiryTime;
        to.CreationTime = from.CreationTime;
        to.GroupId = from.GroupId;
        to.GroupSequence = from.GroupSequence;
        to.ReplyToGroupId = from.ReplyToGroupId;
    }

    private static byte[] Copy(Data data) => ((ArraySegment<byte>)data.Value).ToArray();
}
