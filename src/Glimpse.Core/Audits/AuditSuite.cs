using System.Text.Json;
using System.Text.RegularExpressions;
using Glimpse.Core.Contracts;
using Glimpse.Core.Evaluation;
using Glimpse.Core.Methods;
using Glimpse.Core.Validation;

namespace Glimpse.Core.Audits;

/// <summary>
/// An audit suite, <c>glimpse-audits/{suite}/suite.json</c> (Schemas/audit-suite.schema.json): the cases to run on
/// every scheduled audit, the model (or the configured default) and the methods to explain with. Read only through
/// <see cref="AuditSuiteReader"/>.
/// </summary>
public sealed record AuditSuite
{
    public const string CurrentSchemaVersion = "1.0";

    /// <summary>The suite's folder name in the audits container.</summary>
    public required string Name { get; init; }
    public string SchemaVersion { get; init; } = CurrentSchemaVersion;
    public string? Description { get; init; }
    /// <summary>The model id every case runs on; null for the audit's configured default model (Glimpse:Audits:DefaultModel).</summary>
    public string? Model { get; init; }
    /// <summary>Each case runs once per method, the first being the one reports compare with: names from
    /// <see cref="ExplainMethods"/> or variants with options of their own (<see cref="MethodVariant"/>), as labels.</summary>
    public required IReadOnlyList<string> Methods { get; init; }
    public int? MaxNewTokens { get; init; }
    /// <summary>Method options; each job's manifest gets the ones its method takes (<see cref="ExplainOptions.For"/>).</summary>
    public IReadOnlyDictionary<string, JsonElement> Options { get; init; } = new Dictionary<string, JsonElement>();
    public required IReadOnlyList<AuditCase> Cases { get; init; }
}

/// <summary>
/// One case: an image and a question, optionally the expected answer and a reference (an evidence mask or a graded
/// attention map, as in <c>glimpse eval</c>). Paths are relative to the suite folder. A case with
/// <see cref="Problems"/> is not run; it is reported as failed with them.
/// </summary>
public sealed record AuditCase
{
    public required string Id { get; init; }
    public required string Image { get; init; }
    public required string Question { get; init; }
    public string? ExpectedAnswer { get; init; }
    public string? Reference { get; init; }
    public ReferenceKind? ReferenceKind { get; init; }
    public IReadOnlyList<string> Problems { get; init; } = [];
}

/// <summary>
/// What reading a suite found: the suite, or (when <see cref="Problems"/> is not empty) why it cannot run at all. Problems
/// of single cases are on the cases; they do not stop the others.
/// </summary>
public sealed record AuditSuiteReading(AuditSuite? Suite, IReadOnlyList<string> Problems);

/// <summary>
/// Reads suite.json into an <see cref="AuditSuite"/>; never throws for any input. Every problem names the suite and,
/// for a case, the case (by id, or by its position when it has none). A suite-level problem (not JSON, an unknown
/// schema version, an unknown method, no model, no cases, repeated case ids) makes the whole suite unrunnable; a
/// case-level problem (a missing question, an image path leaving the folder, a reference without its kind) only that
/// case.
/// </summary>
public static partial class AuditSuiteReader
{
    public const int MaxSuiteBytes = 1024 * 1024;
    public const int MaxCases = 1000;
    private const int MaxJsonDepth = 16;

    private static readonly string[] SuiteFields = ["schema_version", "description", "model", "methods", "max_new_tokens", "options", "cases"];
    private static readonly string[] CaseFields = ["id", "image", "question", "expected_answer", "reference", "reference_kind"];

    /// <summary>Case ids: letters, digits, '_', '.', ':' and '-', at most 64, as a job tag value and a log field stay readable.</summary>
    public const string CaseIdPattern = "^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$";

    [GeneratedRegex(CaseIdPattern)]
    private static partial Regex CaseIdRegex();

    public static AuditSuiteReading Read(string suiteName, ReadOnlyMemory<byte> json)
    {
        ArgumentNullException.ThrowIfNull(suiteName);
        string where = $"suite '{suiteName}'";
        if (json.Length > MaxSuiteBytes) return Invalid($"{where}: suite.json is {json.Length} bytes; the limit is {MaxSuiteBytes}");
        if (json.Span.StartsWith("\uFEFF"u8)) json = json[3..];
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxJsonDepth });
        }
        catch (JsonException e)
        {
            return Invalid($"{where}: suite.json is not valid JSON: {e.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) return Invalid($"{where}: suite.json must be a JSON object");
            return Read(suiteName, where, document.RootElement);
        }
    }

    /// <summary>
    /// Each option must be in the option table, take a valid value, and apply to at least one of the suite's methods
    /// (each job gets the options its method takes), so a suite that cannot run as written stops before any job.
    /// </summary>
    private static void CheckOptions(string where, IReadOnlyDictionary<string, JsonElement> options, IReadOnlyList<ExplainMethod> methods, List<string> problems)
    {
        foreach (var (name, value) in options.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            if (ExplainOptions.Find(name) is not { } spec)
                problems.Add($"{where}: options.{UserText.Shorten(name)} is not an option; known: {string.Join(", ", ExplainOptions.Names.Order(StringComparer.Ordinal))}");
            else if (methods.Count > 0 && !methods.Any(spec.AppliesTo))
                problems.Add($"{where}: options.{name} applies to none of the suite's methods; it applies to " +
                             string.Join(", ", ExplainMethods.All.Where(spec.AppliesTo).Select(m => m.Name)));
            else if (spec.Parse(value) is null)
                problems.Add($"{where}: options.{name} must be {spec.Expected}, not {UserText.Shorten(value.GetRawText())}");
        }
    }

    private static AuditSuiteReading Read(string suiteName, string where, JsonElement root)
    {
        var problems = new List<string>();
        var fields = Fields(root, SuiteFields, where, problems);

        string? version = String(fields, "schema_version", where, problems, required: true);
        if (version is not null && version != AuditSuite.CurrentSchemaVersion)
            problems.Add($"{where}: schema_version '{UserText.Shorten(version)}' is not supported; supported: {AuditSuite.CurrentSchemaVersion}");
        string? description = String(fields, "description", where, problems, required: false);
        string? model = String(fields, "model", where, problems, required: false);
        if (model is { Length: 0 }) problems.Add($"{where}: model is empty; omit it for the configured default model");

        var methods = new List<MethodVariant> { MethodVariant.Of(JobManifest.DefaultMethod) };
        if (Present(fields, "methods", out var methodsElement))
        {
            var written = methodsElement.ValueKind == JsonValueKind.Array
                ? methodsElement.EnumerateArray().Select(m => m.ValueKind == JsonValueKind.String ? m.GetString()! : m.GetRawText()).ToList()
                : [];
            if (written.Count == 0) problems.Add($"{where}: methods must be a non-empty array of method names; known: {string.Join(", ", ExplainMethods.Names)}");
            methods = [];
            foreach (string method in written)
            {
                try
                {
                    methods.Add(MethodVariant.Parse(method));
                }
                catch (ArgumentException e)
                {
                    string name = method.Split('[', 2)[0].Trim();
                    problems.Add(ExplainMethods.IsKnown(name)
                        ? $"{where}: method '{UserText.Shorten(method)}': {e.Message}"
                        : $"{where}: method '{UserText.Shorten(method)}' is not known; known: {string.Join(", ", ExplainMethods.Names)}");
                }
            }
            if (methods.Select(m => m.Label).Distinct().Count() != methods.Count) problems.Add($"{where}: methods names a method twice");
        }

        int? maxNewTokens = null;
        if (Present(fields, "max_new_tokens", out var tokens))
        {
            if (tokens.ValueKind == JsonValueKind.Number && tokens.TryGetInt32(out int value) && value >= 1) maxNewTokens = value;
            else problems.Add($"{where}: max_new_tokens must be a whole number of at least 1");
        }

        var options = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (Present(fields, "options", out var optionsElement))
        {
            if (optionsElement.ValueKind != JsonValueKind.Object) problems.Add($"{where}: options must be an object of method options");
            else
                foreach (var option in optionsElement.EnumerateObject())
                    options[option.Name] = option.Value.Clone();
            CheckOptions(where, options, [.. methods.Select(m => m.Method)], problems);
        }

        var cases = new List<AuditCase>();
        if (!Present(fields, "cases", out var casesElement) || casesElement.ValueKind != JsonValueKind.Array || casesElement.GetArrayLength() == 0)
            problems.Add($"{where}: cases must be a non-empty array of cases");
        else if (casesElement.GetArrayLength() > MaxCases)
            problems.Add($"{where}: cases has {casesElement.GetArrayLength()} entries; the limit is {MaxCases}");
        else
        {
            int index = 0;
            foreach (var element in casesElement.EnumerateArray()) cases.Add(ReadCase(where, element, ++index));
            foreach (var repeated in cases.GroupBy(c => c.Id).Where(g => g.Count() > 1))
                problems.Add($"{where}: case id '{repeated.Key}' is used by {repeated.Count()} cases; ids must be unique");
        }

        if (problems.Count > 0) return new AuditSuiteReading(null, problems);
        return new AuditSuiteReading(new AuditSuite
        {
            Name = suiteName, SchemaVersion = version!, Description = description, Model = model, Methods = [.. methods.Select(m => m.Label)],
            MaxNewTokens = maxNewTokens, Options = options, Cases = cases,
        }, []);
    }

    private static AuditCase ReadCase(string suiteWhere, JsonElement element, int index)
    {
        var problems = new List<string>();
        string where = $"{suiteWhere}, case #{index}";
        if (element.ValueKind != JsonValueKind.Object)
            return new AuditCase { Id = $"#{index}", Image = "", Question = "", Problems = [$"{where}: a case must be a JSON object"] };
        var fields = Fields(element, CaseFields, where, problems);
        string? id = String(fields, "id", where, problems, required: true);
        if (id is not null && !CaseIdRegex().IsMatch(id))
        {
            problems.Add($"{where}: id '{UserText.Shorten(id)}' must be 1 to 64 letters, digits, '_', '.', ':' or '-', starting with a letter or digit");
            id = null;
        }
        if (id is not null)
        {
            // Now that the case has a name, say it instead of its position.
            string named = $"{suiteWhere}, case '{id}'";
            for (int i = 0; i < problems.Count; i++) problems[i] = problems[i].Replace(where, named, StringComparison.Ordinal);
            where = named;
        }
        string? image = String(fields, "image", where, problems, required: true);
        if (image is not null && ImageNameRules.Problem(image) is { } imageProblem) problems.Add($"{where}: {imageProblem}");
        string? question = String(fields, "question", where, problems, required: true);
        if (question is not null && string.IsNullOrWhiteSpace(question)) problems.Add($"{where}: question is empty");
        string? expected = String(fields, "expected_answer", where, problems, required: false);
        string? reference = String(fields, "reference", where, problems, required: false);
        if (reference is not null && ImageNameRules.Problem(reference) is { } referenceProblem)
            problems.Add($"{where}: {referenceProblem.Replace("image", "reference", StringComparison.Ordinal)}");
        string? kindText = String(fields, "reference_kind", where, problems, required: false);
        ReferenceKind? kind = kindText switch
        {
            null => null,
            "mask" => ReferenceKind.Mask,
            "map" => ReferenceKind.Map,
            _ => null,
        };
        if (kindText is not null && kind is null) problems.Add($"{where}: reference_kind must be \"mask\" or \"map\", not '{UserText.Shorten(kindText)}'");
        else if (reference is not null && kind is null) problems.Add($"{where}: a reference needs its reference_kind: \"mask\" or \"map\"");
        else if (reference is null && kind is not null) problems.Add($"{where}: reference_kind is given without a reference");

        return new AuditCase
        {
            Id = id ?? $"#{index}", Image = image ?? "", Question = question ?? "", ExpectedAnswer = expected,
            Reference = reference, ReferenceKind = kind, Problems = problems,
        };
    }

    private static Dictionary<string, JsonElement> Fields(JsonElement element, string[] known, string where, List<string> problems)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!known.Contains(property.Name))
                problems.Add($"{where}: '{UserText.Shorten(property.Name)}' is not a field; fields: {string.Join(", ", known)}");
            else if (!fields.TryAdd(property.Name, property.Value))
                problems.Add($"{where}: '{property.Name}' appears more than once");
        }
        return fields;
    }

    private static string? String(Dictionary<string, JsonElement> fields, string name, string where, List<string> problems, bool required)
    {
        if (!Present(fields, name, out var element))
        {
            if (required) problems.Add($"{where}: {name} is missing");
            return null;
        }
        if (element.ValueKind == JsonValueKind.String) return element.GetString();
        problems.Add($"{where}: {name} must be a string");
        return null;
    }

    private static bool Present(Dictionary<string, JsonElement> fields, string name, out JsonElement element) =>
        fields.TryGetValue(name, out element) && element.ValueKind != JsonValueKind.Null;

    private static AuditSuiteReading Invalid(string problem) => new(null, [problem]);
}
