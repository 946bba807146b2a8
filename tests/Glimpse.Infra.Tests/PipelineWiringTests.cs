using System.Text.Json.Nodes;
using System.Xml;
using Glimpse.Core.Contracts;
using Glimpse.Infra.Tests.Support;
using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Storage;
using Glimpse.Pipeline.Transport.ServiceBus;
using Glimpse.Processing.Jobs;

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
        // README "How the guarantees are kept": a worker that crashes on every delivery is only given up on by the
        // delivery after its MaxDeliveryCount, so the queue must allow one more, or the broker dead-letters the job
        // before any worker writes its failure result (the Service Bus worker tests show both sides of this).
        int queueMax = compiled.ModuleParameterDefault("servicebus", "maxDeliveryCount").GetValue<int>();
        Assert.Equal(new JobProcessorOptions().MaxDeliveryCount + 1, queueMax);
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
    public void Event_grid_delivers_created_manifests_to_ingest_and_inbox_images_to_the_inbox_function()
    {
        JsonNode subscription = compiled.ResourcesOfType("Microsoft.EventGrid/systemTopics/eventSubscriptions").Single();
        JsonNode properties = subscription["properties"]!;
        Assert.Equal(["Microsoft.Storage.BlobCreated"], properties["filter"]!["includedEventTypes"]!.AsArray().Select(n => (string)n!));
        // One subscription per trigger, each addressed to its function through the blobs extension's Event Grid endpoint.
        Assert.Equal("[length(variables('triggers'))]", (string?)subscription["copy"]!["count"]);
        string endpoint = (string)properties["destination"]!["properties"]!["endpointUrl"]!;
        Assert.Contains("/runtime/webhooks/blobs", endpoint);
        Assert.Contains("?functionName=Host.Functions.{1}", endpoint);
        Assert.Contains("variables('triggers')[copyIndex()].functionName", endpoint);
        Assert.Contains("systemKeys.blobs_extension", endpoint);
        Assert.Equal("[variables('triggers')[copyIndex()].subjectBeginsWith]", (string?)properties["filter"]!["subjectBeginsWith"]);
        Assert.Equal("[variables('triggers')[copyIndex()].subjectEndsWith]", (string?)properties["filter"]!["subjectEndsWith"]);

        // The function names are the ones the Functions app declares.
        Assert.Equal(Glimpse.Functions.IngestFunction.Name, compiled.ModuleArgument("eventgrid", "ingestFunctionName"));
        Assert.Equal(Glimpse.Functions.InboxFunction.Name, compiled.ModuleArgument("eventgrid", "inboxFunctionName"));

        // Manifests: jobs/{jobId}/job.json only (BlobLayout); inbox: anything under InboxHandler.Prefix.
        Assert.Equal(BlobLayout.JobsContainer, compiled.ModuleArgument("eventgrid", "jobsContainerName"));
        var triggers = compiled.Module("eventgrid")["properties"]!["template"]!["variables"]!["triggers"]!.AsArray();
        string manifest = BlobLayout.ManifestBlob("job-id");
        var ingest = triggers.Single(t => (string?)t!["functionName"] == "[parameters('ingestFunctionName')]")!;
        Assert.Equal($"[format('{{0}}{manifest[..(manifest.IndexOf('/') + 1)]}', variables('containerSubject'))]", (string?)ingest["subjectBeginsWith"]);
        Assert.Equal($"/{BlobLayout.ManifestFileName}", (string?)ingest["subjectEndsWith"]);
        var inbox = triggers.Single(t => (string?)t!["functionName"] == "[parameters('inboxFunctionName')]")!;
        Assert.Equal($"[format('{{0}}{InboxHandler.Prefix}', variables('containerSubject'))]", (string?)inbox["subjectBeginsWith"]);
        Assert.Equal("", (string?)inbox["subjectEndsWith"]);
        Assert.Equal("[format('/blobServices/default/containers/{0}/blobs/', parameters('jobsContainerName'))]",
            (string?)compiled.Module("eventgrid")["properties"]!["template"]!["variables"]!["containerSubject"]);
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
