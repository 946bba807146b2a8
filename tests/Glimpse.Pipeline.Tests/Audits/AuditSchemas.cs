using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Glimpse.Pipeline.Tests.Audits;

/// <summary>The audit schemas (Schemas/audit-*.schema.json), each built once: the library registers a schema globally by its $id.</summary>
public static class AuditSchemas
{
    private static readonly Dictionary<string, JsonSchema> Schemas = [];

    public static string Text(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemas", name));

    public static EvaluationResults Evaluate(string name, JsonNode? document)
    {
        JsonSchema schema;
        lock (Schemas)
        {
            if (!Schemas.TryGetValue(name, out schema!)) Schemas[name] = schema = JsonSchema.FromText(Text(name));
        }
        return schema.Evaluate(JsonSerializer.SerializeToElement(document), new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
    }

    public static void AssertValid(string name, JsonNode? document)
    {
        var results = Evaluate(name, document);
        Assert.True(results.IsValid, string.Join("\n", (results.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
    }
}
