using System.Text.Json;
using System.Text.RegularExpressions;

namespace Glimpse.Explain.Tests.Report;

/// <summary>
/// A validator for the part of JSON Schema 2020-12 that result.schema.json uses: type (one or a list), properties,
/// required, additionalProperties (false or a schema), items, enum, pattern, minimum, maximum, $ref to #/$defs/….
/// Any other keyword in the schema is an error, so the schema cannot say something this validator silently ignores;
/// annotations ($schema, $id, title, description, examples) are allowed.
/// </summary>
internal sealed class JsonSchemaSubset(JsonElement root)
{
    private static readonly HashSet<string> Annotations = ["$schema", "$id", "$defs", "title", "description", "examples"];
    private static readonly HashSet<string> Assertions =
        ["type", "properties", "required", "additionalProperties", "items", "enum", "pattern", "minimum", "maximum", "$ref"];

    /// <summary>Every way <paramref name="instance"/> breaks the schema, as "path: reason"; empty when it conforms.</summary>
    public List<string> Validate(JsonElement instance)
    {
        var errors = new List<string>();
        Check(root, instance, "$", errors);
        return errors;
    }

    private void Check(JsonElement schema, JsonElement instance, string path, List<string> errors)
    {
        foreach (var keyword in schema.EnumerateObject())
            if (!Annotations.Contains(keyword.Name) && !Assertions.Contains(keyword.Name))
                throw new NotSupportedException($"the schema uses '{keyword.Name}' at {path}, which this validator does not implement");

        if (schema.TryGetProperty("$ref", out var reference)) Check(Resolve(reference.GetString()!), instance, path, errors);

        if (schema.TryGetProperty("type", out var type))
        {
            var allowed = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
            if (!allowed.Any(t => HasType(instance, t)))
            {
                errors.Add($"{path}: expected {string.Join(" or ", allowed)}, got {instance.ValueKind}");
                return;
            }
        }
        if (schema.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => JsonElement.DeepEquals(v, instance)))
            errors.Add($"{path}: {instance} is not one of {values}");
        if (schema.TryGetProperty("pattern", out var pattern) && instance.ValueKind == JsonValueKind.String
            && !Regex.IsMatch(instance.GetString()!, pattern.GetString()!))
            errors.Add($"{path}: \"{instance.GetString()}\" does not match {pattern.GetString()}");
        if (instance.ValueKind == JsonValueKind.Number)
        {
            if (schema.TryGetProperty("minimum", out var minimum) && instance.GetDouble() < minimum.GetDouble())
                errors.Add($"{path}: {instance} is below the minimum {minimum}");
            if (schema.TryGetProperty("maximum", out var maximum) && instance.GetDouble() > maximum.GetDouble())
                errors.Add($"{path}: {instance} is above the maximum {maximum}");
        }
        if (instance.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            int i = 0;
            foreach (var item in instance.EnumerateArray()) Check(items, item, $"{path}[{i++}]", errors);
        }
        if (instance.ValueKind == JsonValueKind.Object) CheckObject(schema, instance, path, errors);
    }

    private void CheckObject(JsonElement schema, JsonElement instance, string path, List<string> errors)
    {
        if (schema.TryGetProperty("required", out var required))
            foreach (var name in required.EnumerateArray().Select(n => n.GetString()!))
                if (!instance.TryGetProperty(name, out _)) errors.Add($"{path}: missing required '{name}'");
        schema.TryGetProperty("properties", out var properties);
        bool hasAdditional = schema.TryGetProperty("additionalProperties", out var additional);
        foreach (var member in instance.EnumerateObject())
        {
            string memberPath = $"{path}.{member.Name}";
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(member.Name, out var memberSchema))
                Check(memberSchema, member.Value, memberPath, errors);
            else if (hasAdditional && additional.ValueKind == JsonValueKind.False)
                errors.Add($"{memberPath}: not allowed by the schema");
            else if (hasAdditional && additional.ValueKind == JsonValueKind.Object)
                Check(additional, member.Value, memberPath, errors);
        }
    }

    private JsonElement Resolve(string reference)
    {
        const string prefix = "#/$defs/";
        if (!reference.StartsWith(prefix, StringComparison.Ordinal))
            throw new NotSupportedException($"only local $defs references are implemented, got {reference}");
        return root.GetProperty("$defs").GetProperty(reference[prefix.Length..]);
    }

    private static bool HasType(JsonElement instance, string type) => type switch
    {
        "object" => instance.ValueKind == JsonValueKind.Object,
        "array" => instance.ValueKind == JsonValueKind.Array,
        "string" => instance.ValueKind == JsonValueKind.String,
        "boolean" => instance.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => instance.ValueKind == JsonValueKind.Null,
        "number" => instance.ValueKind == JsonValueKind.Number,
        "integer" => instance.ValueKind == JsonValueKind.Number && instance.TryGetDecimal(out decimal d) && d == decimal.Truncate(d),
        _ => throw new NotSupportedException($"unknown type '{type}'"),
    };
}
