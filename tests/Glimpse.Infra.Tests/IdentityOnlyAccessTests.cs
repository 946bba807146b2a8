using System.Text.Json.Nodes;
using Glimpse.Infra.Tests.Support;

namespace Glimpse.Infra.Tests;

/// <summary>No keys anywhere: storage and Service Bus refuse shared keys/SAS, and the hosts connect as their identity.</summary>
[Collection(CompiledTemplateCollection.Name)]
public sealed class IdentityOnlyAccessTests(CompiledTemplate compiled)
{
    [Fact]
    public void Storage_account_refuses_shared_keys_and_public_blobs()
    {
        JsonNode properties = compiled.ResourcesOfType("Microsoft.Storage/storageAccounts").Single()["properties"]!;
        Assert.False((bool)properties["allowSharedKeyAccess"]!);
        Assert.False((bool)properties["allowBlobPublicAccess"]!);
        Assert.Equal("TLS1_2", (string?)properties["minimumTlsVersion"]);
        Assert.True((bool)properties["supportsHttpsTrafficOnly"]!);
    }

    [Fact]
    public void Service_bus_refuses_sas()
    {
        JsonNode properties = compiled.ResourcesOfType("Microsoft.ServiceBus/namespaces").Single()["properties"]!;
        Assert.True((bool)properties["disableLocalAuth"]!);
    }

    [Fact]
    public void Registry_has_no_admin_user()
    {
        JsonNode properties = compiled.ResourcesOfType("Microsoft.ContainerRegistry/registries").Single()["properties"]!;
        Assert.False((bool)properties["adminUserEnabled"]!);
    }

    [Fact]
    public void Function_app_storage_connections_are_identity_based()
    {
        Dictionary<string, string> settings = compiled.FunctionAppSettings();
        foreach (string connection in new[] { "AzureWebJobsStorage", "GlimpseStorage" })
        {
            Assert.False(settings.ContainsKey(connection), $"{connection} must not be a connection string in Azure");
            Assert.Equal("managedidentity", settings[$"{connection}__credential"]);
            Assert.Contains($"{connection}__clientId", settings.Keys);
            Assert.Contains($"{connection}__blobServiceUri", settings.Keys);
        }
        Assert.DoesNotContain(settings.Keys, k => k.EndsWith("ConnectionString", StringComparison.Ordinal) && k != "APPLICATIONINSIGHTS_CONNECTION_STRING");
    }

    [Fact]
    public void Flex_consumption_app_leaves_the_runtime_to_function_app_config()
    {
        // Flex Consumption rejects these app settings; the runtime is functionAppConfig.runtime.
        Dictionary<string, string> settings = compiled.FunctionAppSettings();
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", settings.Keys);
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", settings.Keys);

        JsonNode site = compiled.ResourcesOfType("Microsoft.Web/sites").Single();
        JsonNode config = site["properties"]!["functionAppConfig"]!;
        Assert.Equal("dotnet-isolated", (string?)config["runtime"]!["name"]);
        Assert.Equal("UserAssignedIdentity", (string?)config["deployment"]!["storage"]!["authentication"]!["type"]);
        Assert.Equal("FC1", (string?)compiled.ResourcesOfType("Microsoft.Web/serverfarms").Single()["sku"]!["name"]);
        Assert.Equal("10.0", compiled.ModuleParameterDefault("functionapp", "dotnetVersion").GetValue<string>());
    }

    [Fact]
    public void Worker_pulls_its_image_and_scales_as_its_identity()
    {
        JsonNode app = compiled.ResourcesOfType("Microsoft.App/containerApps").Single();
        JsonNode configuration = app["properties"]!["configuration"]!;
        Assert.All(configuration["registries"]!.AsArray(), r =>
        {
            Assert.NotNull(r!["identity"]);
            Assert.Null(r["passwordSecretRef"]);
        });
        JsonNode rule = app["properties"]!["template"]!["scale"]!["rules"]!.AsArray().Single()!;
        Assert.NotNull(rule["custom"]!["identity"]);
        Assert.Null(rule["custom"]!["auth"]);
    }
}
