using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Hosting;
using Glimpse.Pipeline.Models;
using Glimpse.Pipeline.Transport.StorageQueues;
using Glimpse.Processing.Hosting;
using Glimpse.Processing.Jobs;
using Glimpse.Processing.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Glimpse.Hosts.Tests;

/// <summary>The one composition: configuration names bind the options every host reads, and pick the transport.</summary>
public sealed class CompositionTests
{
    private static ServiceProvider Compose(Dictionary<string, string?> settings, bool worker = false)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddGlimpsePipeline(configuration);
        if (worker) services.AddGlimpseWorker(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Transport_kind_service_bus_is_the_default_and_builds_the_service_bus_transport()
    {
        await using var services = Compose(new()
        {
            ["Glimpse:ServiceBus:ConnectionString"] = "Endpoint=sb://glimpse-test.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=c2VjcmV0",
            ["Glimpse:ServiceBus:QueueName"] = "jobs-q",
        });

        var transport = services.GetRequiredService<PipelineTransport>();

        Assert.Equal(TransportKind.ServiceBus, transport.Kind);
        Assert.IsType<Glimpse.Pipeline.Transport.ServiceBus.ServiceBusWorkQueue>(transport.WorkQueue);
    }

    [Fact]
    public async Task Storage_queues_names_and_worker_options_bind_from_the_shared_configuration_names()
    {
        await using var services = Compose(new()
        {
            ["Glimpse:Storage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Glimpse:Transport:Kind"] = "StorageQueues",
            ["Glimpse:StorageQueues:WorkQueueName"] = "my-jobs",
            ["Glimpse:Worker:MaxJobDuration"] = "00:30:00",
            ["Glimpse:Worker:Device"] = "cuda",
            ["Glimpse:Models:Folder"] = "/mnt/models",
            ["Glimpse:Processor:MaxDeliveryCount"] = "3",
        }, worker: true);

        Assert.Equal(TransportKind.StorageQueues, services.GetRequiredService<PipelineTransport>().Kind);
        Assert.IsType<StorageWorkQueue>(services.GetRequiredService<PipelineTransport>().WorkQueue);
        Assert.Equal("my-jobs", services.GetRequiredService<StorageQueueTransportOptions>().WorkQueueName);
        Assert.Equal(TimeSpan.FromMinutes(30), services.GetRequiredService<WorkerLoopOptions>().MaxJobDuration);
        Assert.Equal("cuda", services.GetRequiredService<Glimpse.Model.ModelLoadOptions>().Device);
        Assert.Equal("/mnt/models", services.GetRequiredService<ModelSourceOptions>().Folder);
        Assert.Equal(3, services.GetRequiredService<JobProcessorOptions>().MaxDeliveryCount);
    }

    [Fact]
    public async Task The_worker_catalog_is_unavailable_until_the_models_are_prepared()
    {
        await using var services = Compose(new() { ["Glimpse:Storage:ConnectionString"] = "UseDevelopmentStorage=true" }, worker: true);

        var error = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<IModelCatalog>());

        Assert.Contains(nameof(WorkerModels.PrepareAsync), error.Message);
    }

    [Fact]
    public async Task A_model_folder_the_runtime_cannot_open_does_not_stop_the_worker_and_its_jobs_get_the_reason()
    {
        string root = Directory.CreateTempSubdirectory("glimpse-models-").FullName;
        try
        {
            string llava = Path.Combine(root, "llava_tiny");
            Directory.CreateDirectory(llava);
            foreach (var file in Directory.GetFiles(Path.Combine(Glimpse.Model.Tests.ReferenceSet.Root, "llava_tiny")))
                File.Copy(file, Path.Combine(llava, Path.GetFileName(file)));
            Directory.CreateDirectory(Path.Combine(root, "future_model"));
            File.WriteAllText(Path.Combine(root, "future_model", "config.json"), """{"model_type": "qwen9_vl"}""");
            await using var services = Compose(new()
            {
                ["Glimpse:Storage:ConnectionString"] = "UseDevelopmentStorage=true",
                ["Glimpse:Models:Folder"] = root,
            }, worker: true);

            var catalog = await services.GetRequiredService<WorkerModels>().PrepareAsync(warm: true, CancellationToken.None);

            Assert.Equal(["future_model", "llava_tiny"], catalog.ModelIds.Order(StringComparer.Ordinal));
            Assert.NotNull(await catalog.GetAsync("llava_tiny", CancellationToken.None));
            var error = await Assert.ThrowsAsync<Glimpse.Model.ModelLoadException>(() => catalog.GetAsync("future_model", CancellationToken.None));
            Assert.Contains("model_type 'qwen9_vl' is not supported", error.Message);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Telemetry_subscribes_to_the_pipeline_source_and_builds_with_both_exporters_configured()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [PipelineTelemetryExtensions.AppInsightsSetting] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/",
            [PipelineTelemetryExtensions.OtlpSetting] = "http://127.0.0.1:4317",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddGlimpseTelemetry(configuration, "glimpse-test");
        await using var provider = services.BuildServiceProvider();

        var tracer = provider.GetRequiredService<OpenTelemetry.Trace.TracerProvider>();
        using var activity = Glimpse.Pipeline.Telemetry.PipelineTelemetry.Source.StartActivity("probe");

        Assert.NotNull(tracer);
        Assert.NotNull(activity); // a listener (the tracer provider) samples the pipeline's spans
    }
}
