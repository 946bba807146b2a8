using System.Text.Json.Nodes;
using System.Xml;
using Glimpse.Infra.Tests.Support;
using Glimpse.Pipeline.Contracts;
using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Storage;
using Glimpse.Pipeline.Transport.ServiceBus;

namespace Glimpse.Infra.Tests;

/// <summary>The deployment agrees with the pipeline's code: names, the manifest event filter, delivery and lock limits.</summary>
[Collection(CompiledTemplateCollection.Name)]
public sealed class PipelineWiringTests(CompiledTemplate compiled)
{
    [Fact]
    public void Storage_creates_the_pipeline_containers()
    {
        JsonArray passed = compiled.Module("storage")["properties"]!["parameters"]!["pipelineContainers"]!["value"]!.AsArray();
        string[] names = passed.Select(n => ResolveVariable((string)n!)).ToArray();
        Assert.Equal(PipelineContainers.All.Order(), names.Order());
    }

    [Fact]
    public void Service_bus_entities_are_the_transport_defaults()
    {
        var defaults = new ServiceBusTransportOptions();
        Assert.Equal(defaults.QueueName, compiled.ModuleArgument("servicebus", "queueName"));
        Assert.Equal(defaults.TopicName, compiled.ModuleArgument("servicebus", "topicName"));
        Assert.Equal(defaults.QueueName, compiled.ModuleArgument("worker", "serviceBusQueueName"));
        Assert.Equal("all", compiled.ModuleArgument("servicebus", "subscriptionName"));
    }

    [Fact]
    public void Work_queue_detects_duplicates_and_dead_letters_expired_jobs()
    {
        JsonNode queue = compiled.ResourcesOfType("Microsoft.ServiceBus/namespaces/queues").Single()["properties"]!;
        Assert.True((bool)queue["requiresDuplicateDetection"]!);
        Assert.True((bool)queue["deadLetteringOnMessageExpiration"]!);
        Assert.False((bool)queue["requiresSession"]!);
        TimeSpan window = XmlConvert.ToTimeSpan(compiled.ModuleParameterDefault("servicebus", "duplicateDetectionWindow").GetValue<string>());
        Assert.InRange(window, TimeSpan.FromSeconds(20), TimeSpan.FromDays(7));
    }

    [Fact]
    public void Worker_gives_up_before_the_broker_does()
    {
        // README "How the guarantees are kept": the worker's MaxDeliveryCount must not exceed the queue's, or the
        // broker dead-letters a failing job before the worker writes its failure result.
        int queueMax = compiled.ModuleParameterDefault("servicebus", "maxDeliveryCount").GetValue<int>();
        Assert.Equal(5, queueMax);
        Assert.True(new JobProcessorOptions().MaxDeliveryCount <= queueMax);
    }

    [Fact]
    public void Lock_is_renewed_well_within_its_duration()
    {
        TimeSpan lockDuration = XmlConvert.ToTimeSpan(compiled.ModuleParameterDefault("servicebus", "lockDuration").GetValue<string>());
        Assert.InRange(lockDuration, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5)); // Service Bus's maximum is 5 minutes
        Assert.True(new WorkerLoopOptions().LockRenewalInterval < lockDuration / 2);
    }

    [Fact]
    public void Worker_max_job_duration_parses_as_the_option_it_sets()
    {
        string value = (string)compiled.Template["parameters"]!["workerMaxJobDuration"]!["defaultValue"]!;
        Assert.True(TimeSpan.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out TimeSpan parsed));
        Assert.Equal(new WorkerLoopOptions().MaxJobDuration, parsed);
    }

    [Fact]
    public void Event_grid_delivers_only_created_manifests_to_the_ingest_function()
    {
        JsonNode subscription = compiled.ResourcesOfType("Microsoft.EventGrid/systemTopics/eventSubscriptions").Single()["properties"]!;
        JsonNode filter = subscription["filter"]!;
        Assert.Equal(["Microsoft.Storage.BlobCreated"], filter["includedEventTypes"]!.AsArray().Select(n => (string)n!));

        // The manifest blob is jobs/{jobId}/job.json in the jobs container (BlobLayout).
        string manifest = BlobLayout.ManifestBlob("job-id");
        string jobsFolder = manifest[..(manifest.IndexOf('/') + 1)];
        Assert.Equal(BlobLayout.JobsContainer, compiled.ModuleArgument("eventgrid", "jobsContainerName"));
        Assert.Equal($"[format('/blobServices/default/containers/{{0}}/blobs/{jobsFolder}', parameters('jobsContainerName'))]",
            (string?)filter["subjectBeginsWith"]);
        Assert.Equal($"/{BlobLayout.ManifestFileName}", (string?)filter["subjectEndsWith"]);

        // The Functions blob extension's Event Grid endpoint, addressed to the ingest function by its host name.
        Assert.Equal("IngestFunction", compiled.ModuleArgument("eventgrid", "ingestFunctionName"));
        string endpoint = (string)subscription["destination"]!["properties"]!["endpointUrl"]!;
        Assert.Contains("/runtime/webhooks/blobs?functionName=Host.Functions.", endpoint);
        Assert.Contains("systemKeys.blobs_extension", endpoint);
    }

    [Fact]
    public void Worker_has_no_ingress_and_scales_from_zero_on_the_work_queue()
    {
        JsonNode app = compiled.ResourcesOfType("Microsoft.App/containerApps").Single()["properties"]!;
        Assert.Null(app["configuration"]!["ingress"]);
        JsonNode scale = app["template"]!["scale"]!;
        Assert.Equal(0, (int)scale["minReplicas"]!);
        JsonNode custom = scale["rules"]!.AsArray().Single()!["custom"]!;
        Assert.Equal("azure-servicebus", (string?)custom["type"]);
        Assert.Equal("[parameters('serviceBusQueueName')]", (string?)custom["metadata"]!["queueName"]);
        Assert.NotNull(custom["metadata"]!["messageCount"]);
        Assert.Equal("[variables('gpuProfileName')]", (string?)app["workloadProfileName"]);
    }

    private string ResolveVariable(string expression) =>
        expression.StartsWith("[variables('", StringComparison.Ordinal)
            ? compiled.Variable(expression["[variables('".Length..^"')]".Length])
            : expression;
}
