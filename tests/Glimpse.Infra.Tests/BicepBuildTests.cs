using Glimpse.Infra.Tests.Support;

namespace Glimpse.Infra.Tests;

/// <summary>infra/main.bicep compiles with the pinned Bicep CLI, and its linter (bicepconfig.json) finds nothing.</summary>
[Collection(CompiledTemplateCollection.Name)]
public sealed class BicepBuildTests(CompiledTemplate compiled)
{
    [Fact]
    public void Main_bicep_builds_without_errors_or_warnings()
    {
        Assert.True(compiled.Build.ExitCode == 0, $"bicep build failed ({compiled.Build.ExitCode}):\n{compiled.Build.StandardError}");
        // Bicep writes every diagnostic, linter warnings included, to standard error; with --stdout nothing else goes there.
        Assert.True(compiled.Build.StandardError.Trim().Length == 0, $"bicep build reported:\n{compiled.Build.StandardError}");
    }

    [Fact]
    public void Template_deploys_at_subscription_scope_into_its_own_resource_group()
    {
        Assert.Contains("subscriptionDeploymentTemplate.json", (string?)compiled.Template["$schema"]);
        Assert.Single(compiled.ResourcesOfType("Microsoft.Resources/resourceGroups"));
    }

    [Theory]
    [InlineData("Microsoft.ManagedIdentity/userAssignedIdentities")]
    [InlineData("Microsoft.OperationalInsights/workspaces")]
    [InlineData("Microsoft.Insights/components")]
    [InlineData("Microsoft.Storage/storageAccounts")]
    [InlineData("Microsoft.ServiceBus/namespaces")]
    [InlineData("Microsoft.ServiceBus/namespaces/queues")]
    [InlineData("Microsoft.ServiceBus/namespaces/topics")]
    [InlineData("Microsoft.ServiceBus/namespaces/topics/subscriptions")]
    [InlineData("Microsoft.ContainerRegistry/registries")]
    [InlineData("Microsoft.Web/serverfarms")]
    [InlineData("Microsoft.Web/sites")]
    [InlineData("Microsoft.EventGrid/systemTopics")]
    [InlineData("Microsoft.EventGrid/systemTopics/eventSubscriptions")]
    [InlineData("Microsoft.App/managedEnvironments")]
    [InlineData("Microsoft.App/containerApps")]
    public void Template_creates(string resourceType) =>
        Assert.Single(compiled.ResourcesOfType(resourceType));
}
