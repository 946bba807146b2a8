using System.Diagnostics.CodeAnalysis;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Transport;

namespace Glimpse.Pipeline.Tests;

/// <summary>A completion publisher whose next <see cref="FailuresLeft"/> publishes fail as an unreachable bus does.</summary>
public sealed class FailingEventPublisher(IEventPublisher inner) : IEventPublisher
{
    private int _failuresLeft, _attempts, _published;

    public int FailuresLeft { get => Volatile.Read(ref _failuresLeft); set => Volatile.Write(ref _failuresLeft, value); }
    public int Attempts => Volatile.Read(ref _attempts);
    public int Published => Volatile.Read(ref _published);

    public async Task PublishAsync(CompletionEvent completion, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _attempts);
        if (Interlocked.Decrement(ref _failuresLeft) >= 0) throw new IOException("the completion topic is unreachable (injected)");
        Volatile.Write(ref _failuresLeft, 0);
        await inner.PublishAsync(completion, cancellationToken);
        Interlocked.Increment(ref _published);
    }
}

/// <summary>
/// A storage outage for the result files: while <see cref="Down"/> (or for the next <see cref="FailNext"/> attempts),
/// every attempt to write a blob in the results container other than status.json and failure.json is answered
/// 503 Server Busy without reaching Azurite. It sits in the client's pipeline per retry, so it sees (and counts) each
/// retry the client makes.
/// </summary>
public sealed class ResultFileWriteOutage : HttpPipelinePolicy
{
    private int _failNext, _failed;
    private readonly List<string> _attempts = [];

    public bool Down { get; set; }
    public int FailNext { get => Volatile.Read(ref _failNext); set => Volatile.Write(ref _failNext, value); }
    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Every result-file write attempt seen, by blob path, in order (retries included).</summary>
    public IReadOnlyList<string> Attempts
    {
        get
        {
            lock (_attempts) return [.. _attempts];
        }
    }

    public Azure.Storage.Blobs.BlobClientOptions ClientOptions()
    {
        var options = new Azure.Storage.Blobs.BlobClientOptions();
        options.AddPolicy(this, HttpPipelinePosition.PerRetry);
        return options;
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (Answered(message)) return;
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        Answered(message) ? ValueTask.CompletedTask : ProcessNextAsync(message, pipeline);

    /// <summary>Whether this attempt is answered here with a 503, never reaching the service.</summary>
    private bool Answered(HttpMessage message)
    {
        string path = message.Request.Uri.Path;
        bool resultFileWrite = message.Request.Method == RequestMethod.Put
            && path.Contains($"/{BlobLayout.ResultsContainer}/", StringComparison.Ordinal)
            && !path.EndsWith("/status.json", StringComparison.Ordinal)
            && !path.EndsWith("/failure.json", StringComparison.Ordinal);
        if (!resultFileWrite) return false;
        lock (_attempts) _attempts.Add(path);
        if (!Down && Interlocked.Decrement(ref _failNext) < 0)
        {
            Volatile.Write(ref _failNext, 0);
            return false;
        }
        Interlocked.Increment(ref _failed);
        message.Response = new ServiceBusyResponse(message.Request.ClientRequestId);
        return true;
    }

    /// <summary>The response a storage account gives when it is overloaded or its partition is moving.</summary>
    private sealed class ServiceBusyResponse(string clientRequestId) : Response
    {
        public override int Status => 503;
        /// <summary>The transport marks errors; this response never passes it, so it says so itself (the retry policy reads it).</summary>
        public override bool IsError => true;
        public override string ReasonPhrase => "Server Busy";
        public override Stream? ContentStream { get; set; } = new MemoryStream(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>ServerBusy</Code><Message>The results container is unavailable (injected).</Message></Error>"u8.ToArray());
        public override string ClientRequestId { get; set; } = clientRequestId;
        public override void Dispose() { }
        protected override bool ContainsHeader(string name) => name.Equals("x-ms-error-code", StringComparison.OrdinalIgnoreCase);
        protected override IEnumerable<HttpHeader> EnumerateHeaders() => [new HttpHeader("x-ms-error-code", "ServerBusy")];
        protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value)
        {
            value = ContainsHeader(name) ? "ServerBusy" : null;
            return value is not null;
        }
        protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
        {
            values = TryGetHeader(name, out string? value) ? [value] : null;
            return values is not null;
        }
    }
}
