using System.Collections.Concurrent;
using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Encoding;
using Microsoft.Azure.Amqp.Framing;

namespace Glimpse.ServiceBus.TestPeer;

/// <summary>
/// The request/response nodes the client talks to: <c>$cbs</c> (claims-based security: put-token, accepted whatever
/// the token) and each entity's <c>$management</c> (renew-lock, update-disposition). A client opens a link pair per
/// node: requests arrive on one link and carry a reply-to address, the target of the client's other link, on which the
/// response goes back with the request's message id as its correlation id.
/// </summary>
internal sealed class RequestResponseNodes
{
    public const string Cbs = "$cbs";
    public const string ManagementSuffix = "/$management";

    private static class Operations
    {
        public const string PutToken = "put-token";
        public const string RenewLock = "com.microsoft:renew-lock";
        public const string UpdateDisposition = "com.microsoft:update-disposition";
    }

    private static readonly MapKey LockTokens = new("lock-tokens");
    private static readonly MapKey Expirations = new("expirations");
    private static readonly MapKey DispositionStatus = new("disposition-status");
    private static readonly MapKey DeadLetterReason = new("deadletter-reason");
    private static readonly MapKey DeadLetterDescription = new("deadletter-description");
    private static readonly MapKey PropertiesToModify = new("properties-to-modify");

    private readonly ConcurrentDictionary<string, SendingAmqpLink> _replyLinks = new(StringComparer.Ordinal);
    private long _replyTag;

    /// <summary>The client's response link: its target is the reply-to address its requests name.</summary>
    public void AttachReplyLink(SendingAmqpLink link)
    {
        string replyTo = ((Target)link.Settings.Target).Address.ToString()!;
        _replyLinks[replyTo] = link;
        link.Closed += (_, _) => _replyLinks.TryRemove(new KeyValuePair<string, SendingAmqpLink>(replyTo, link));
    }

    /// <summary>The client's request link for <c>$cbs</c>.</summary>
    public void AttachCbsRequestLink(ReceivingAmqpLink link) => Serve(link, HandleCbs);

    /// <summary>The client's request link for an entity's <c>$management</c>; entities that are not queues answer 501 to everything.</summary>
    public void AttachManagementRequestLink(ReceivingAmqpLink link, PeerQueue? queue) => Serve(link, request => HandleManagement(request, queue));

    private void Serve(ReceivingAmqpLink link, Func<AmqpMessage, AmqpMessage> handle)
    {
        link.RegisterMessageListener(request =>
        {
            var response = handle(request);
            response.Properties.CorrelationId = request.Properties.MessageId;
            string? replyTo = request.Properties.ReplyTo?.ToString();
            link.DisposeMessage(request, AmqpConstants.AcceptedOutcome, true, false);
            if (replyTo is not null && _replyLinks.TryGetValue(replyTo, out var replyLink))
            {
                var tag = BitConverter.GetBytes(Interlocked.Increment(ref _replyTag));
                replyLink.SendMessageNoWait(response, new ArraySegment<byte>(tag), AmqpConstants.NullBinary);
            }
            request.Dispose();
        });
    }

    private static AmqpMessage HandleCbs(AmqpMessage request)
    {
        // Any token is accepted: the peer tests the pipeline's messaging, not Service Bus's authorization.
        string? operation = request.ApplicationProperties?.Map["operation"] as string;
        var response = AmqpMessage.Create(new AmqpValue { Value = new AmqpMap() });
        response.ApplicationProperties = new ApplicationProperties();
        bool putToken = operation == Operations.PutToken;
        response.ApplicationProperties.Map["status-code"] = putToken ? 202 : 501;
        response.ApplicationProperties.Map["status-description"] = putToken ? "Accepted" : $"The test peer's $cbs does not implement '{operation}'.";
        return response;
    }

    private static AmqpMessage HandleManagement(AmqpMessage request, PeerQueue? queue)
    {
        string? operation = request.ApplicationProperties?.Map["operation"] as string;
        if (queue is null || operation is not (Operations.RenewLock or Operations.UpdateDisposition))
            return ManagementResponse(501, $"The test peer does not implement '{operation}' here.", errorCondition: AmqpErrorCode.NotImplemented.Value);

        if (request.ValueBody?.Value is not AmqpMap body || body[LockTokens] is not Guid[] lockTokens)
            return ManagementResponse(400, "The request has no lock-tokens.", errorCondition: "com.microsoft:argument-error");
        if (operation == Operations.RenewLock)
        {
            var expirations = new DateTime[lockTokens.Length];
            for (int i = 0; i < lockTokens.Length; i++)
            {
                if (queue.RenewLock(lockTokens[i]) is not { } lockedUntil) return LockLost();
                expirations[i] = lockedUntil;
            }
            return ManagementResponse(200, "OK", new AmqpMap { [Expirations] = expirations });
        }

        var settlement = (body[DispositionStatus] as string) switch
        {
            "completed" => Settlement.Complete,
            "abandoned" => Settlement.Abandon(body[PropertiesToModify] as AmqpMap),
            "suspended" => Settlement.DeadLetter(body[DeadLetterReason] as string, body[DeadLetterDescription] as string),
            _ => null,
        };
        if (settlement is null) return ManagementResponse(501, "The test peer settles completed, abandoned and suspended only.", errorCondition: AmqpErrorCode.NotImplemented.Value);
        foreach (var lockToken in lockTokens)
            if (!queue.Settle(lockToken, settlement)) return LockLost();
        return ManagementResponse(200, "OK");
    }

    private static AmqpMessage LockLost() => ManagementResponse(410,
        "The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.",
        errorCondition: "com.microsoft:message-lock-lost");

    private static AmqpMessage ManagementResponse(int status, string description, AmqpMap? body = null, string? errorCondition = null)
    {
        var response = AmqpMessage.Create(new AmqpValue { Value = body ?? new AmqpMap() });
        response.ApplicationProperties = new ApplicationProperties();
        response.ApplicationProperties.Map["statusCode"] = status;
        response.ApplicationProperties.Map["statusDescription"] = description;
        // The client reads the condition as a symbol.
        if (errorCondition is not null) response.ApplicationProperties.Map["errorCondition"] = (AmqpSymbol)errorCondition;
        return response;
    }
}
