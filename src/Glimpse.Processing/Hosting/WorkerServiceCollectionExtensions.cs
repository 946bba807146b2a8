using Glimpse.Model;
using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Hosting;
using Glimpse.Pipeline.Models;
using Glimpse.Processing.Jobs;
using Glimpse.Processing.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Glimpse.Processing.Hosting;

/// <summary>The worker's half of the pipeline's composition: what a host that runs models adds.</summary>
public static class WorkerServiceCollectionExtensions
{
    /// <summary>
    /// The worker: the model catalog (mounted folder, or downloaded once into the cache), the explain engine on it, the
    /// job processor and the receive loop, run by <see cref="PipelineWorkerService"/>. Call after
    /// <see cref="PipelineServiceCollectionExtensions.AddGlimpsePipeline"/>.
    /// </summary>
    public static IServiceCollection AddGlimpseWorker(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var device = PipelineConfiguration.Read<WorkerDeviceOptions>(configuration, PipelineConfiguration.Worker);
        services.AddSingleton(device);
        services.AddSingleton(new ModelLoadOptions { Device = device.Device });
        services.AddSingleton(PipelineConfiguration.Read<WorkerLoopOptions>(configuration, PipelineConfiguration.Worker));
        services.AddSingleton(PipelineConfiguration.Read<JobProcessorOptions>(configuration, PipelineConfiguration.Processor));
        services.AddSingleton<WorkerModels>();
        // Ingest in the same host (glimpse local) then accepts exactly the models this worker can run.
        services.AddSingleton<IKnownModelIds>(sp => sp.GetRequiredService<WorkerModels>());
        services.AddSingleton<IModelCatalog>(sp => sp.GetRequiredService<WorkerModels>().Catalog);
        services.AddSingleton<IExplainEngine>(sp => new CatalogExplainEngine(sp.GetRequiredService<IModelCatalog>()));
        services.AddSingleton<IJobProcessor, JobProcessor>();
        services.AddSingleton(sp => new WorkerLoop(sp.GetRequiredService<PipelineTransport>().Receiver, sp.GetRequiredService<IJobProcessor>(),
            sp.GetRequiredService<WorkerLoopOptions>(), sp.GetRequiredService<ILogger<WorkerLoop>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, PipelineWorkerService>());
        return services;
    }
}
