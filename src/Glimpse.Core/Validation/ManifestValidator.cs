using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using Glimpse.Core.Contracts;
using Glimpse.Core.Methods;

namespace Glimpse.Core.Validation;

/// <summary>
/// Turns untrusted manifest bytes into a <see cref="JobManifest"/>, or into a list of problems; it never throws for any
/// input. Checks: size, JSON syntax and depth, duplicate and unknown fields, schema version, prompt, image name, model
/// id against the catalog, method, options and their ranges, max_new_tokens, correlation id and tags.
/// Optional fields may be omitted or null.
/// </summary>
public sealed partial class ManifestValidator(ManifestLimits limits, IReadOnlyCollection<string> knownModels)
{
    private static readonly string[] Fields =
        ["schema_version", "prompt", "image", "model", "method", "options", "max_new_tokens", "correlation_id", "tags"];

    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,64}$")]
    private static partial Regex TagKeyRegex();

    public ManifestLimits Limits => limits;

    public ManifestValidation Validate(ReadOnlyMemory<byte> json)
    {
        if (json.Length == 0) return Rejected("the manifest is empty (0 bytes)");
        if (json.Length > limits.MaxManifestBytes)
            return Rejected($"the manifest is {json.Length} bytes; the limit is {limits.MaxManifestBytes}");
        // Editors on Windows may save UTF-8 with a byte-order mark, which JSON parsers read as a stray character.
        if (json.Span.StartsWith("\uFEFF"u8)) json = json[3..];
        // The parser checks the encoding of string contents only when they are read; checking it whole up front
        // means every later read of a name or value succeeds.
        if (!Utf8.IsValid(json.Span)) return Rejected("the manifest is not valid UTF-8 text");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = limits.MaxJsonDepth });
        }
        catch (JsonException e)
        {
            return Rejected($"the manifest is not valid JSON (at most {limits.MaxJsonDepth} levels deep): {e.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return Rejected($"the manifest must be a JSON object, not {Describe(document.RootElement.ValueKind)}");
            return Validate(document.RootElement);
        }
    }

    private ManifestValidation Validate(JsonElement root)
    {
        var problems = new List<string>();
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            string? name = JsonText.TryGetName(property);
            if (name is null || !Fields.Contains(name))
                problems.Add($"'{UserText.Shorten(name ?? "\uFFFD")}' is not a manifest field; fields: {string.Join(", ", Fields)}");
            else if (!fields.TryAdd(name, property.Value.Clone()))
                problems.Add($"'{name}' appears more than once");
        }

        string? schemaVersion = RequiredString(fields, "schema_version", problems);
        if (schemaVersion is not null && !limits.KnownSchemaVersions.Contains(schemaVersion))
            problems.Add($"schema_version '{UserText.Shorten(schemaVersion)}' is not supported; supported: {string.Join(", ", limits.KnownSchemaVersions.Order())}");

        string? prompt = RequiredString(fields, "prompt", problems);
        if (prompt is not null) CheckPrompt(prompt, problems);

        string? image = RequiredString(fields, "image", problems);
        if (image is not null && ImageNameRules.Problem(image) is { } imageProblem)
        {
            problems.Add(imageProblem);
            image = null;
        }

        string? model = RequiredString(fields, "model", problems);
        if (model is not null && !knownModels.Contains(model))
        {
            problems.Add($"model '{UserText.Shorten(model)}' is not known; known: {string.Join(", ", knownModels.Order(StringComparer.Ordinal))}");
            model = null;
        }

        string? method = IsPresent(fields, "method", out _) ? OptionalString(fields, "method", problems) : JobManifest.DefaultMethod;
        if (method is not null && !ExplainMethods.IsKnown(method))
        {
            problems.Add($"method '{UserText.Shorten(method)}' is not known; known: {string.Join(", ", ExplainMethods.Names)}");
            method = null;
        }

        var options = OptionalObject(fields, "options", problems);
        // Options are checked against the method named (or, when that is not known, the default), so an option the
        // method does not take is refused rather than ignored.
        var settings = options is null ? null : ExplainOptions.Parse(ExplainMethods.Get(method ?? JobManifest.DefaultMethod), options, problems);

        int? maxNewTokens = JobManifest.DefaultMaxNewTokens;
        if (IsPresent(fields, "max_new_tokens", out var tokensElement))
        {
            maxNewTokens = tokensElement.ValueKind == JsonValueKind.Number && tokensElement.TryGetInt32(out int tokens) && tokens >= 1 && tokens <= limits.MaxNewTokens
                ? tokens
                : null;
            if (maxNewTokens is null) problems.Add($"max_new_tokens must be a whole number in [1, {limits.MaxNewTokens}], not {UserText.Shorten(tokensElement.GetRawText())}");
        }

        string? correlationId = OptionalString(fields, "correlation_id", problems);
        if (correlationId is not null && CorrelationIdProblem(correlationId) is { } correlationProblem)
        {
            problems.Add(correlationProblem);
            correlationId = null;
        }

        var tags = ReadTags(fields, problems);
        var echo = new JobEcho(model, method, correlationId, tags);
        if (problems.Count > 0) return new ManifestValidation(null, null, problems, echo);

        var manifest = new JobManifest
        {
            SchemaVersion = schemaVersion!,
            Prompt = prompt!,
            Image = image!,
            Model = model!,
            Method = method!,
            Options = options ?? new Dictionary<string, JsonElement>(),
            MaxNewTokens = maxNewTokens!.Value,
            CorrelationId = correlationId,
            Tags = tags,
        };
        return new ManifestValidation(manifest, settings ?? ExplainSettings.Default, problems, echo);
    }

    private void CheckPrompt(string prompt, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(prompt)) problems.Add("prompt is empty; it is the question about the image");
        else if (prompt.Length > limits.MaxPromptChars) problems.Add($"prompt is {prompt.Length} characters long; the limit is {limits.MaxPromptChars}");
        else if (prompt.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t'))) problems.Add("prompt contains a control character other than a line break or tab");
    }

    private string? CorrelationIdProblem(string correlationId) =>
        correlationId.Length == 0 ? "correlation_id is empty; omit it instead"
        : correlationId.Length > limits.MaxCorrelationIdChars ? $"correlation_id is {correlationId.Length} characters long; the limit is {limits.MaxCorrelationIdChars}"
        : correlationId.Any(char.IsControl) ? "correlation_id contains a control character"
        : null;

    private IReadOnlyDictionary<string, string> ReadTags(Dictionary<string, JsonElement> fields, List<string> problems)
    {
        var tags = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var raw = OptionalObject(fields, "tags", problems);
        if (raw is null) return tags;
        if (raw.Count > limits.MaxTags)
        {
            problems.Add($"tags has {raw.Count} entries; the limit is {limits.MaxTags}");
            return tags;
        }
        foreach (var (key, value) in raw)
        {
            string? text = JsonText.TryGetString(value);
            if (!TagKeyRegex().IsMatch(key)) problems.Add($"tag name '{UserText.Shorten(key)}' must be 1 to 64 letters, digits, '_', '.', ':' or '-'");
            else if (text is null) problems.Add($"tags.{key} must be a string, not {Describe(value.ValueKind)}");
            else if (text.Length > limits.MaxTagValueChars) problems.Add($"tags.{key} is {text.Length} characters long; the limit is {limits.MaxTagValueChars}");
            else if (text.Any(char.IsControl)) problems.Add($"tags.{key} contains a control character");
            else tags[key] = text;
        }
        return tags;
    }

    private static string? RequiredString(Dictionary<string, JsonElement> fields, string name, List<string> problems)
    {
        if (!IsPresent(fields, name, out _))
        {
            problems.Add($"{name} is missing");
            return null;
        }
        return OptionalString(fields, name, problems);
    }

    /// <summary>The string when present and valid; null when absent, null, or invalid (which adds a problem).</summary>
    private static string? OptionalString(Dictionary<string, JsonElement> fields, string name, List<string> problems)
    {
        if (!IsPresent(fields, name, out var element)) return null;
        string? text = JsonText.TryGetString(element);
        if (text is null)
            problems.Add(element.ValueKind == JsonValueKind.String
                ? $"{name} is not valid Unicode text"
                : $"{name} must be a string, not {Describe(element.ValueKind)}");
        return text;
    }

    private static Dictionary<string, JsonElement>? OptionalObject(Dictionary<string, JsonElement> fields, string name, List<string> problems)
    {
        if (!IsPresent(fields, name, out var element)) return null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{name} must be an object, not {Describe(element.ValueKind)}");
            return null;
        }
        var entries = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            string? key = JsonText.TryGetName(property);
            if (key is null) problems.Add($"a name in {name} is not valid Unicode text");
            else if (!entries.TryAdd(key, property.Value)) problems.Add($"{name}.{UserText.Shorten(key)} appears more than once");
        }
        return entries;
    }

    /// <summary>Present and not null: optional fields may be written as null by clients that serialise absent values so.</summary>
    private static bool IsPresent(Dictionary<string, JsonElement> fields, string name, out JsonElement element) =>
        fields.TryGetValue(name, out element) && element.ValueKind != JsonValueKind.Null;

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static ManifestValidation Rejected(string problem) => ManifestValidation.Rejected(problem);
}
