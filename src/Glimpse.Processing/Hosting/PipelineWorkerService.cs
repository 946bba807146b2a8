using Azure.Storage.Blobs;
using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Hosting;
using Glimpse.Pipeline.Models;
using Glimpse.Processing.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Glimpse.Processing.Hosting;

/// <summary>
/// Runs the <see cref="WorkerLoop"/> for the life of the host: prepares the models first (download once, load once,
/// kept warm), then receives one job at a time. When the host stops (SIGTERM), the stopping token makes the loop stop
/// receiving and abandon the job in flight so that it is redelivered at once; the host's shutdown timeout must leave
/// room for that (<see cref="WorkerLoopOptions.AbandonTimeout"/>).
/// </summary>
public sealed partial class PipelineWorkerService(
    WorkerModels models, IServiceProvider services, PipelineTransport transport, BlobServiceClient blobs, ModelSourceOptions modelSource,
    WorkerDeviceOptions device, WorkerLoopOptions loopOptions, ILogger<PipelineWorkerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Never a secret: the blob endpoint without credentials, the transport's kind, where models come from.
        LogStarting(logger, transport.Kind, blobs.Uri, string.IsNullOrEmpty(modelSource.Folder) ? $"container {modelSource.Container} cached in {modelSource.CacheFolder}" : $"folder {modelSource.Folder}",
            device.Device, loopOptions.MaxJobDuration, loopOptions.LockRenewalInterval);
        await Task.Yield();
        try
        {
            await models.PrepareAsync(warm: true, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        await services.GetRequiredService<WorkerLoop>().RunAsync(stoppingToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Glimpse worker starting: transport {Transport}, storage {BlobEndpoint}, models from {ModelSource}, device {Device}, max job duration {MaxJobDuration}, lock renewal every {LockRenewalInterval}")]
    private static partial void LogStarting(ILogger logger, TransportKind transport, Uri blobEndpoint, string modelSource, string device,
        TimeSpan maxJobDuration, TimeSpan lockRenewalInterval);
}
