using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Glimpse.Infra.Tests.Support;

/// <summary>
/// infra/main.bicep compiled to an ARM template by the real Bicep CLI, once for all the tests that read it. Modules
/// compile to nested deployments (Microsoft.Resources/deployments) whose templates hold their resources.
/// </summary>
public sealed partial class CompiledTemplate : IAsyncLifetime
{
    private const string DeploymentType = "Microsoft.Resources/deployments";

    public BicepCli.Result Build { get; private set; } = new(-1, "", "");
    public JsonObject Template { get; private set; } = new();

    public async Task InitializeAsync()
    {
        Build = await BicepCli.RunAsync(RepositoryPaths.Infra, "build", "main.bicep", "--stdout");
        if (Build.ExitCode == 0) Template = JsonNode.Parse(Build.StandardOutput)!.AsObject();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Every resource, those of the modules' nested templates included.</summary>
    public IEnumerable<JsonObject> AllResources() => ResourcesOf(Template);

    public IEnumerable<JsonObject> ResourcesOfType(string type) =>
        AllResources().Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase));

    /// <summary>The nested deployment of the module deployed as <paramref name="name"/> (its `name:` in main.bicep).</summary>
    public JsonObject Module(string name) =>
        ResourcesOfType(DeploymentType).SingleOrDefault(d => (string?)d["name"] == name)
        ?? throw new InvalidOperationException($"main.bicep deploys no module named '{name}'.");

    /// <summary>A variable of main.bicep, as a string.</summary>
    public string Variable(string name) =>
        (string?)Template["variables"]?[name] ?? throw new InvalidOperationException($"main.bicep has no variable '{name}'.");

    /// <summary>
    /// The value main.bicep passes to a module's parameter, resolved when it is a literal or one of main's variables
    /// (the shared names are variables there); anything computed at deployment time is refused.
    /// </summary>
    public string ModuleArgument(string module, string parameter)
    {
        string raw = (string?)Module(module)["properties"]?["parameters"]?[parameter]?["value"]
            ?? throw new InvalidOperationException($"Module '{module}' is given no string for '{parameter}'.");
        if (!raw.StartsWith('[')) return raw;
        Match variable = VariableReference().Match(raw);
        return variable.Success
            ? Variable(variable.Groups[1].Value)
            : throw new InvalidOperationException($"Module '{module}' parameter '{parameter}' is computed ({raw}), not a name.");
    }

    /// <summary>The default of a module's own parameter (what it uses when main.bicep passes nothing).</summary>
    public JsonNode ModuleParameterDefault(string module, string parameter) =>
        Module(module)["properties"]?["template"]?["parameters"]?[parameter]?["defaultValue"]
        ?? throw new InvalidOperationException($"Module '{module}' has no default for '{parameter}'.");

    /// <summary>The Function App's app settings, name to value (a value may be an ARM expression).</summary>
    public Dictionary<string, string> FunctionAppSettings() =>
        ResourcesOfType("Microsoft.Web/sites").Single()["properties"]!["siteConfig"]!["appSettings"]!.AsArray()
            .ToDictionary(s => (string)s!["name"]!, s => s!["value"]?.ToString() ?? "");

    /// <summary>The names of the worker containers' environment variables.</summary>
    public IEnumerable<string> WorkerEnvironmentNames() =>
        ResourcesOfType("Microsoft.App/containerApps").Single()["properties"]!["template"]!["containers"]!.AsArray()
            .SelectMany(c => c!["env"]!.AsArray()).Select(e => (string)e!["name"]!);

    private static IEnumerable<JsonObject> ResourcesOf(JsonObject template)
    {
        // Templates with symbolic names hold resources in an object, others in an array.
        IEnumerable<JsonNode?> resources = template["resources"] switch
        {
            JsonArray array => array,
            JsonObject map => map.Select(p => p.Value),
            _ => [],
        };
        foreach (JsonObject resource in resources.OfType<JsonObject>())
        {
            yield return resource;
            if ((string?)resource["type"] == DeploymentType && resource["properties"]?["template"] is JsonObject nested)
                foreach (JsonObject inner in ResourcesOf(nested)) yield return inner;
        }
    }

    [GeneratedRegex(@"^\[variables\('([A-Za-z0-9_]+)'\)\]$")]
    private static partial Regex VariableReference();
}

[CollectionDefinition(Name)]
public sealed class CompiledTemplateCollection : ICollectionFixture<CompiledTemplate>
{
    public const string Name = "compiled main.bicep";
}
