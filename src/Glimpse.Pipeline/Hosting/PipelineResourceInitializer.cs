using Azure.Storage.Blobs;
using Glimpse.Pipeline.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Glimpse.Pipeline.Hosting;

/// <summary>
/// At start-up, when <see cref="PipelineStorageOptions.CreateIfMissing"/> asks for it (local runs), creates the
/// containers and the transport's queues. Deployments create them in their templates and leave it off.
/// </summary>
public sealed partial class PipelineResourceInitializer(PipelineStorageOptions storage, BlobServiceClient blobs, PipelineTransport transport, ILogger<PipelineResourceInitializer> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!storage.CreateIfMissing) return;
        await PipelineContainers.EnsureCreatedAsync(blobs, cancellationToken).ConfigureAwait(false);
        await transport.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        LogCreated(logger, transport.Kind);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Containers created where missing, and the {Transport} queues where the transport has them")]
    private static partial void LogCreated(ILogger logger, TransportKind transport);
}
