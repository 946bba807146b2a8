using System.Text.Json.Nodes;
using System.Xml;
using Glimpse.Infra.Tests.Support;

namespace Glimpse.Infra.Tests;

/// <summary>infra/servicebus-emulator/Config.json declares what main.bicep declares, within the emulator's limits.</summary>
[Collection(CompiledTemplateCollection.Name)]
public sealed class ServiceBusEmulatorTests(CompiledTemplate compiled)
{
    private static readonly JsonNode Namespace =
        JsonNode.Parse(File.ReadAllText(RepositoryPaths.ServiceBusEmulatorConfig))!["UserConfig"]!["Namespaces"]!.AsArray().Single()!;

    [Fact]
    public void Uses_the_one_namespace_the_emulator_accepts() =>
        Assert.Equal("sbemulatorns", (string?)Namespace["Name"]);

    [Fact]
    public void Declares_the_same_queue_topic_and_subscription_as_bicep()
    {
        Assert.Equal([compiled.Variable("workQueueName")], Namespace["Queues"]!.AsArray().Select(q => (string)q!["Name"]!));
        JsonNode topic = Namespace["Topics"]!.AsArray().Single()!;
        Assert.Equal(compiled.Variable("completionTopicName"), (string?)topic["Name"]);
        Assert.Equal([compiled.Variable("completionSubscriptionName")], topic["Subscriptions"]!.AsArray().Select(s => (string)s!["Name"]!));
    }

    [Fact]
    public void Queue_behaves_like_the_azure_one()
    {
        JsonNode queue = Namespace["Queues"]!.AsArray().Single()!["Properties"]!;
        Assert.True((bool)queue["RequiresDuplicateDetection"]!);
        Assert.True((bool)queue["DeadLetteringOnMessageExpiration"]!);
        Assert.False((bool)queue["RequiresSession"]!);
        Assert.Equal(compiled.ModuleParameterDefault("servicebus", "maxDeliveryCount").GetValue<int>(), (int)queue["MaxDeliveryCount"]!);
        Assert.Equal(compiled.ModuleParameterDefault("servicebus", "lockDuration").GetValue<string>(), (string?)queue["LockDuration"]);
    }

    [Fact]
    public void Durations_are_within_the_emulator_limits()
    {
        // The emulator refuses a config beyond these: lock and duplicate window at most 5 minutes, TTL at most 1 hour.
        JsonNode queue = Namespace["Queues"]!.AsArray().Single()!["Properties"]!;
        JsonNode topic = Namespace["Topics"]!.AsArray().Single()!;
        JsonNode subscription = topic["Subscriptions"]!.AsArray().Single()!["Properties"]!;

        Assert.InRange(Duration(queue, "LockDuration"), TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5));
        Assert.InRange(Duration(subscription, "LockDuration"), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5));
        foreach (JsonNode entity in new[] { queue, topic["Properties"]! })
            Assert.InRange(Duration(entity, "DuplicateDetectionHistoryTimeWindow"), TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5));
        foreach (JsonNode entity in new[] { queue, topic["Properties"]!, subscription })
            Assert.InRange(Duration(entity, "DefaultMessageTimeToLive"), TimeSpan.FromMinutes(5), TimeSpan.FromHours(1));
        Assert.InRange((int)queue["MaxDeliveryCount"]!, 1, 10);
    }

    private static TimeSpan Duration(JsonNode entity, string property) => XmlConvert.ToTimeSpan((string)entity[property]!);
}
