using System.Text.Encodings.Web;
using System.Text.Json;
using Glimpse.Explain.Rendering;

namespace Glimpse.Explain.Report;

/// <summary>
/// result.json: an <see cref="ExplanationResult"/> as JSON, described field by field in Schema/result.schema.json.
/// <para>
/// Names are snake_case (<c>schema_version</c>, <c>image_map</c>, <c>per_token_maps</c>), as Hugging Face writes its
/// JSON (config.json, generation_config.json), so Python readers feel at home; option names are written as given. Every
/// field is always present (a missing value is <c>null</c>), numbers are finite and written in their shortest
/// round-trip form, so <c>Deserialize(Serialize(r))</c> serialises back to the same text. Text stays readable
/// (non-ASCII token pieces such as "▁" are not escaped).
/// </para>
/// <para>
/// Reading accepts any 1.x file and ignores fields it does not know, so a newer minor version still reads; it
/// rejects a missing field, a non-finite number, or maps whose sizes disagree, with a <see cref="JsonException"/>.
/// </para>
/// </summary>
public static class ResultJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = new SnakeCaseNames(),
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>snake_case, except that <see cref="ModelSummary.DType"/> is "dtype" as in Hugging Face's configs, not "d_type".</summary>
    private sealed class SnakeCaseNames : JsonNamingPolicy
    {
        public override string ConvertName(string name) =>
            name == nameof(ModelSummary.DType) ? "dtype" : SnakeCaseLower.ConvertName(name);
    }

    public static string Serialize(ExplanationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        string? problem = FindProblem(result);
        if (problem is not null) throw new ArgumentException($"cannot write result.json: {problem}", nameof(result));
        return JsonSerializer.Serialize(result, Options);
    }

    public static ExplanationResult Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var result = JsonSerializer.Deserialize<ExplanationResult>(json, Options)
            ?? throw new JsonException("result.json holds null instead of a result");
        if (!result.SchemaVersion.StartsWith("1.", StringComparison.Ordinal))
            throw new JsonException($"result.json schema version {result.SchemaVersion} is not supported (this reader knows 1.x)");
        string? problem = FindProblem(result);
        return problem is null ? result : throw new JsonException($"result.json is inconsistent: {problem}");
    }

    /// <summary>The first thing that keeps the result from being a valid result.json, named by its JSON path; null when it is valid.</summary>
    private static string? FindProblem(ExplanationResult result)
    {
        string? problem = MapProblem(result.ImageMap, "image_map");
        if (problem is not null) return problem;
        if (result.PerTokenMaps is { } maps)
        {
            if (maps.Count != result.AnswerTokens.Count)
                return $"per_token_maps has {maps.Count} maps for {result.AnswerTokens.Count} answer tokens";
            for (int t = 0; t < maps.Count; t++)
            {
                if (MapProblem(maps[t], $"per_token_maps[{t}]") is { } mapProblem) return mapProblem;
                if (maps[t].Height != result.ImageMap.Height || maps[t].Width != result.ImageMap.Width)
                    return $"per_token_maps[{t}] is {maps[t].Height}×{maps[t].Width}, image_map is {result.ImageMap.Height}×{result.ImageMap.Width}";
            }
        }
        for (int i = 0; i < result.PromptTokens.Count; i++)
            if (result.PromptTokens[i].Saliency is { } saliency && !double.IsFinite(saliency))
                return $"prompt_tokens[{i}].saliency is {saliency}";
        for (int i = 0; i < result.AnswerTokens.Count; i++)
        {
            var token = result.AnswerTokens[i];
            foreach (var (name, value) in new[]
                     {
                         ("visual_weight", token.VisualWeight), ("prompt_weight", token.PromptWeight),
                         ("relevance", token.Relevance), ("probability", token.Probability),
                     })
                if (!double.IsFinite(value)) return $"answer_tokens[{i}].{name} is {value}";
            if (token.Probability is < 0 or > 1) return $"answer_tokens[{i}].probability is {token.Probability}, outside [0, 1]";
        }
        var timings = result.Timings;
        foreach (var (name, value) in new[]
                 {
                     ("generate_seconds", timings.GenerateSeconds), ("forward_seconds", timings.ForwardSeconds),
                     ("gradient_seconds", timings.GradientSeconds), ("total_seconds", timings.TotalSeconds),
                 })
            if (!(double.IsFinite(value) && value >= 0)) return $"timings.{name} is {value}, not a finite number of seconds";
        return result.PeakMemoryBytes < 0 ? $"peak_memory_bytes is {result.PeakMemoryBytes}" : null;
    }

    private static string? MapProblem(TokenGridMap map, string path)
    {
        if (TokenGridMapChecks.ShapeProblem(map) is { } shape) return $"{path}: {shape}";
        int bad = Array.FindIndex(map.Values, v => !double.IsFinite(v));
        return bad < 0 ? null : $"{path}.values[{bad}] is {map.Values[bad]}";
    }
}
