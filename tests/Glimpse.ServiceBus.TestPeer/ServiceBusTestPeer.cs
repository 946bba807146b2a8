using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Framing;
using Microsoft.Azure.Amqp.Sasl;
using Microsoft.Azure.Amqp.Transport;

namespace Glimpse.ServiceBus.TestPeer;

/// <summary>
/// An in-process AMQP 1.0 peer, built on Microsoft.Azure.Amqp (the library the Service Bus client itself uses), that
/// answers an unmodified <c>ServiceBusClient</c> the way Service Bus does for what the pipeline uses: plain-TCP
/// connection with SASL (MSSBCBS or ANONYMOUS), <c>$cbs</c> put-token, sending to queues and topics, peek-lock
/// receiving from queues, subscriptions and dead-letter queues, complete / abandon / dead-letter, delivery counts and
/// MaxDeliveryCount, lock expiry, <c>renew-lock</c> and <c>update-disposition</c> on <c>$management</c>, and duplicate
/// detection. It is a test double, never shipped; what it does not do is listed in the README.
/// </summary>
/// <remarks>
/// Connect with <see cref="ConnectionString"/>: its <c>UseDevelopmentEmulator=true</c> makes the client speak
/// amqp:// without TLS to the endpoint's host and port, as it does for the Service Bus emulator.
/// </remarks>
public sealed class ServiceBusTestPeer : IRuntimeProvider, IAsyncDisposable
{
    private const ulong MaxMessageSize = 1024 * 1024;
    private static readonly TimeSpan LockSweepInterval = TimeSpan.FromMilliseconds(50);

    private readonly ConcurrentDictionary<string, PeerQueue> _queues = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, PeerTopic> _topics = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<AmqpConnection, byte> _connections = new();
    private readonly RequestResponseNodes _nodes = new();
    private readonly TimeProvider _time;
    private readonly AmqpSettings _settings;
    private readonly AmqpTransportListener _listener;
    private readonly ITimer _lockSweep;

    private ServiceBusTestPeer(int port, TimeProvider time)
    {
        Port = port;
        _time = time;
        var sasl = new SaslTransportProvider();
        sasl.Versions.Add(new AmqpVersion(new Version(1, 0, 0, 0)));
        // The Service Bus client offers MSSBCBS (authorize later through $cbs), which is anonymous at the SASL layer.
        sasl.AddHandler(new SaslAnonymousHandler("MSSBCBS"));
        sasl.AddHandler(new SaslAnonymousHandler());
        var amqp = new AmqpTransportProvider();
        amqp.Versions.Add(new AmqpVersion(new Version(1, 0, 0, 0)));
        _settings = new AmqpSettings { RuntimeProvider = this };
        _settings.TransportProviders.Add(sasl);
        _settings.TransportProviders.Add(amqp);
        var tcp = new TcpTransportSettings { Host = IPAddress.Loopback.ToString(), Port = port };
        _listener = new AmqpTransportListener([tcp.CreateListener()], _settings);
        _listener.Listen(OnTransportAccepted);
        _lockSweep = time.CreateTimer(_ => SweepLocks(), null, LockSweepInterval, LockSweepInterval);
    }

    /// <summary>Starts a peer listening on a free loopback port.</summary>
    public static ServiceBusTestPeer Start(TimeProvider? time = null) => new(FreePort(), time ?? TimeProvider.System);

    public int Port { get; }

    /// <summary>A connection string the unmodified client accepts; the key is never checked.</summary>
    public string ConnectionString =>
        $"Endpoint=sb://127.0.0.1:{Port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=VGVzdFBlZXJLZXk=;UseDevelopmentEmulator=true";

    public PeerQueue CreateQueue(string name, PeerEntityOptions? options = null) =>
        _queues.TryAdd(name, new PeerQueue(name, options ?? new PeerEntityOptions(), _time)) ? _queues[name]
            : throw new InvalidOperationException($"The queue '{name}' exists already.");

    public PeerTopic CreateTopic(string name, IEnumerable<string> subscriptions, PeerEntityOptions? options = null) =>
        _topics.TryAdd(name, new PeerTopic(name, options ?? new PeerEntityOptions(), _time, subscriptions)) ? _topics[name]
            : throw new InvalidOperationException($"The topic '{name}' exists already.");

    public PeerQueue Queue(string name) => _queues[name];
    public PeerTopic Topic(string name) => _topics[name];

    public async ValueTask DisposeAsync()
    {
        await _lockSweep.DisposeAsync().ConfigureAwait(false);
        _listener.Close();
        foreach (var connection in _connections.Keys) connection.SafeClose();
    }

    private void OnTransportAccepted(TransportListener listener, TransportAsyncCallbackArgs args)
    {
        var settings = new AmqpConnectionSettings { ContainerId = "glimpse-servicebus-test-peer", MaxFrameSize = 64 * 1024, IdleTimeOut = 4 * 60 * 1000 };
        var connection = new AmqpConnection(args.Transport, (ProtocolHeader)args.UserToken, false, _settings, settings);
        _connections.TryAdd(connection, 0);
        connection.Closed += (_, _) => _connections.TryRemove(connection, out _);
        _ = OpenAsync(connection);
    }

    private static async Task OpenAsync(AmqpConnection connection)
    {
        try
        {
            await connection.OpenAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AmqpException or TimeoutException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            connection.SafeClose(e);
        }
    }

    private void SweepLocks()
    {
        foreach (var queue in AllQueues()) queue.ExpireLocks();
    }

    private IEnumerable<PeerQueue> AllQueues()
    {
        foreach (var queue in _queues.Values.Concat(_topics.Values.SelectMany(topic => topic.Subscriptions.Values)))
        {
            yield return queue;
            if (queue.DeadLetterQueue is not null) yield return queue.DeadLetterQueue;
        }
    }

    /// <summary>A queue, subscription or dead-letter queue by entity path (<c>q</c>, <c>t/Subscriptions/s</c>, <c>q/$DeadLetterQueue</c>).</summary>
    private PeerQueue? FindQueue(string path)
    {
        bool deadLetter = path.EndsWith(PeerQueue.DeadLetterSuffix, StringComparison.OrdinalIgnoreCase);
        if (deadLetter) path = path[..^PeerQueue.DeadLetterSuffix.Length];
        PeerQueue? queue = _queues.GetValueOrDefault(path);
        string[] parts = path.Split('/');
        if (queue is null && parts.Length == 3 && parts[1].Equals("Subscriptions", StringComparison.OrdinalIgnoreCase)
            && _topics.TryGetValue(parts[0], out var topic))
            queue = topic.Subscriptions.GetValueOrDefault(parts[2]);
        return deadLetter ? queue?.DeadLetterQueue : queue;
    }

    /// <summary>The client names entities by URI path ("/queue") on send and receive links and without the slash elsewhere.</summary>
    private static string EntityPath(Address address) => Uri.UnescapeDataString(address.ToString()!).Trim('/');

    AmqpConnection IConnectionFactory.CreateConnection(TransportBase transport, ProtocolHeader protocolHeader, bool isInitiator,
        AmqpSettings amqpSettings, AmqpConnectionSettings connectionSettings) =>
        new(transport, protocolHeader, isInitiator, amqpSettings, connectionSettings);

    AmqpSession ISessionFactory.CreateSession(AmqpConnection connection, AmqpSessionSettings settings) =>
        throw new NotSupportedException("Sessions are created by the connection.");

    AmqpLink ILinkFactory.CreateLink(AmqpSession session, AmqpLinkSettings settings)
    {
        settings.MaxMessageSize = MaxMessageSize;
        // Role true: the client sends and this side receives.
        if (settings.Role == true)
        {
            settings.TotalLinkCredit = 100;
            settings.AutoSendFlow = true;
            return new ReceivingAmqpLink(session, settings);
        }
        return new SendingAmqpLink(session, settings);
    }

    IAsyncResult ILinkFactory.BeginOpenLink(AmqpLink link, TimeSpan timeout, AsyncCallback callback, object state)
    {
        if (link is ReceivingAmqpLink receiving) AttachIncoming(receiving);
        else AttachOutgoing((SendingAmqpLink)link);
        var result = new CompletedOpen(state);
        callback(result);
        return result;
    }

    void ILinkFactory.EndOpenLink(IAsyncResult result)
    {
    }

    /// <summary>A link on which the client sends: to a queue or topic, or requests to $cbs or $management.</summary>
    private void AttachIncoming(ReceivingAmqpLink link)
    {
        string path = EntityPath(((Target)link.Settings.Target).Address);
        if (path == RequestResponseNodes.Cbs)
        {
            _nodes.AttachCbsRequestLink(link);
            return;
        }
        if (path.EndsWith(RequestResponseNodes.ManagementSuffix, StringComparison.OrdinalIgnoreCase))
        {
            string entity = path[..^RequestResponseNodes.ManagementSuffix.Length];
            var queue = FindQueue(entity);
            if (queue is null && !_topics.ContainsKey(entity)) throw NotFound(entity);
            _nodes.AttachManagementRequestLink(link, queue);
            return;
        }
        Action<PeerMessage> accept = _topics.TryGetValue(path, out var topic) ? topic.Publish
            : _queues.TryGetValue(path, out var target) ? message => target.Enqueue(message)
            : throw NotFound(path);
        link.RegisterMessageListener(transfer =>
        {
            DeliveryState outcome = AmqpConstants.AcceptedOutcome;
            try
            {
                foreach (var message in PeerMessage.FromTransfer(transfer)) accept(message);
            }
            catch (AmqpException e)
            {
                outcome = new Rejected { Error = e.Error };
            }
            link.DisposeMessage(transfer, outcome, true, false);
            transfer.Dispose();
        });
    }

    /// <summary>A link on which the client receives: from a queue, subscription or dead-letter queue, or responses from a node.</summary>
    private void AttachOutgoing(SendingAmqpLink link)
    {
        string path = EntityPath(((Source)link.Settings.Source).Address);
        if (path == RequestResponseNodes.Cbs || path.EndsWith(RequestResponseNodes.ManagementSuffix, StringComparison.OrdinalIgnoreCase))
        {
            _nodes.AttachReplyLink(link);
            return;
        }
        (FindQueue(path) ?? throw NotFound(path)).Attach(link);
    }

    private static AmqpException NotFound(string path) =>
        new(AmqpErrorCode.NotFound, $"The messaging entity '{path}' could not be found on the test peer.");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Attaching needs no I/O here, so the open completes at once.</summary>
    private sealed class CompletedOpen(object state) : IAsyncResult
    {
        public object AsyncState => state;
        public WaitHandle AsyncWaitHandle => throw new NotSupportedException();
        public bool CompletedSynchronously => true;
        public bool IsCompleted => true;
    }
}
