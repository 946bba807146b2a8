using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Glimpse.Core.Validation;
using Glimpse.Pipeline.Audits;
using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Models;
using Glimpse.Pipeline.Storage;
using Glimpse.Pipeline.Transport.ServiceBus;
using Glimpse.Pipeline.Transport.StorageQueues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Glimpse.Pipeline.Hosting;

/// <summary>
/// The one composition of the pipeline that every host uses (the Functions app, the worker, <c>glimpse local</c>): options
/// bound from <see cref="PipelineConfiguration"/>'s sections, storage clients, the transport chosen by
/// <c>Glimpse:Transport:Kind</c>, the stores and the handlers. The handlers stay unaware of which host runs them.
/// </summary>
public static class PipelineServiceCollectionExtensions
{
    /// <summary>Storage, transport, stores, ingest and the inbox shortcut: what every host needs.</summary>
    public static IServiceCollection AddGlimpsePipeline(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSingleton(Bind<PipelineStorageOptions>(configuration, PipelineConfiguration.Storage));
        services.AddSingleton(Bind<PipelineTransportOptions>(configuration, PipelineConfiguration.Transport));
        services.AddSingleton(Bind<ServiceBusTransportOptions>(configuration, PipelineConfiguration.ServiceBus));
        services.AddSingleton(Bind<StorageQueueTransportOptions>(configuration, PipelineConfiguration.StorageQueues));
        services.AddSingleton(Bind<ModelSourceOptions>(configuration, PipelineConfiguration.Models));
        services.AddSingleton(Bind<InboxOptions>(configuration, PipelineConfiguration.Inbox));
        services.AddSingleton(new ManifestLimits());
        services.AddSingleton(new ImageLimits());

        services.AddSingleton(sp => StorageClients.CreateBlobService(sp.GetRequiredService<PipelineStorageOptions>()));
        services.AddSingleton(sp => StorageClients.CreateQueueService(sp.GetRequiredService<PipelineStorageOptions>()));
        services.AddSingleton(CreateTransport);
        services.AddSingleton(sp => sp.GetRequiredService<PipelineTransport>().WorkQueue);
        services.AddSingleton(sp => sp.GetRequiredService<PipelineTransport>().Events);

        services.AddSingleton<JobStore>();
        services.AddSingleton<ResultStore>();
        services.AddSingleton<StatusStore>();
        services.AddSingleton<BlobModelDownloader>();
        services.AddSingleton<JobFinalizer>();
        services.AddSingleton<ImageHeaderValidator>();
        services.AddSingleton(sp => new ManifestValidator(sp.GetRequiredService<ManifestLimits>(), KnownModelIds(sp)));
        services.AddSingleton<IngestHandler>();
        services.AddSingleton<InboxHandler>();
        services.AddSingleton(Bind<AuditOptions>(configuration, PipelineConfiguration.Audits));
        services.AddSingleton(sp => AuditHandler.Create(sp.GetRequiredService<BlobServiceClient>(), sp.GetRequiredService<AuditOptions>(),
            sp.GetRequiredService<ILoggerFactory>()));

        // First among hosted services, so containers and queues exist before anything else starts.
        services.AddHostedService<PipelineResourceInitializer>();
        return services;
    }

    private static T Bind<T>(IConfiguration configuration, string section) where T : new() => PipelineConfiguration.Read<T>(configuration, section);

    private static PipelineTransport CreateTransport(IServiceProvider services) =>
        services.GetRequiredService<PipelineTransportOptions>().Kind switch
        {
            TransportKind.StorageQueues => PipelineTransport.Of(new StorageQueueTransport(
                services.GetRequiredService<QueueServiceClient>(), services.GetRequiredService<StorageQueueTransportOptions>())),
            TransportKind.ServiceBus => PipelineTransport.Of(new ServiceBusTransport(services.GetRequiredService<ServiceBusTransportOptions>())),
            var other => throw new InvalidOperationException($"Glimpse:Transport:Kind '{other}' is not ServiceBus or StorageQueues."),
        };

    /// <summary>
    /// The model ids ingest accepts: the worker's catalog when this host runs one (<c>glimpse local</c>); otherwise the
    /// configured ids, the mounted folder's, or the models container's, read once per process.
    /// </summary>
    private static IReadOnlyCollection<string> KnownModelIds(IServiceProvider services)
    {
        if (services.GetService<IKnownModelIds>() is { } worker) return worker.ModelIds;
        var options = services.GetRequiredService<ModelSourceOptions>();
        if (options.Ids.Count > 0) return [.. options.Ids];
        if (!string.IsNullOrEmpty(options.Folder))
        {
            return [.. ModelFolders.List(options.Folder).Keys];
        }
        // Resolved on the first ingest, on a pool thread without a synchronization context: blocking once is safe there.
        return services.GetRequiredService<BlobModelDownloader>().ListModelIdsAsync(CancellationToken.None).GetAwaiter().GetResult();
    }
}
