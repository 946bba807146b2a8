using System.Text.Json;
using Glimpse.Explain.Report;

namespace Glimpse.Explain.Tests.Report;

public class ResultJsonTests
{
    private static JsonSchemaSubset Schema()
    {
        // The schema is copied beside the Glimpse.Explain binaries, and from there into this test's output.
        string path = Path.Combine(AppContext.BaseDirectory, "Schema", "result.schema.json");
        Assert.True(File.Exists(path), $"the schema is not in the build output: {path}");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return new JsonSchemaSubset(document.RootElement.Clone());
    }

    private static List<string> SchemaErrors(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Schema().Validate(document.RootElement);
    }

    [Fact]
    public void RoundTripGivesBackTheSameResult()
    {
        var result = SampleResults.Glimpse();
        string json = ResultJson.Serialize(result);
        var back = ResultJson.Deserialize(json);

        Assert.Equal(json, ResultJson.Serialize(back));
        Assert.Equal(result.Question, back.Question);
        Assert.Equal(result.Model, back.Model);
        Assert.Equal(result.PromptTokens, back.PromptTokens);
        Assert.Equal(result.AnswerTokens, back.AnswerTokens);
        Assert.Equal(result.ImageMap.Values, back.ImageMap.Values);
        Assert.Equal(result.PerTokenMaps!.Count, back.PerTokenMaps!.Count);
        Assert.Equal(result.PerTokenMaps[3].Values, back.PerTokenMaps[3].Values);
        Assert.Equal(result.Options, back.Options);
        Assert.Equal(result.Timings, back.Timings);
        Assert.Equal(result.PeakMemoryBytes, back.PeakMemoryBytes);
        Assert.Equal(result.Warnings, back.Warnings);
    }

    [Fact]
    public void DoublesSurviveBitForBit()
    {
        double[] awkward = [0.1 + 0.2, 1e-300, -2.5e-17, 1 / 3.0, double.Epsilon, 123456789.123456789, 0, -0.0];
        var result = SampleResults.Glimpse() with { ImageMap = new ImageTokenMap(SampleResults.Layout, [.. awkward, .. awkward]), PerTokenMaps = null };
        var back = ResultJson.Deserialize(ResultJson.Serialize(result));
        for (int i = 0; i < awkward.Length; i++)
            Assert.Equal(BitConverter.DoubleToInt64Bits(awkward[i]), BitConverter.DoubleToInt64Bits(back.ImageMap.Values[i]));
    }

    [Fact]
    public void NamesAreSnakeCaseAndEveryFieldIsWritten()
    {
        string json = ResultJson.Serialize(SampleResults.Glimpse(perTokenMaps: false));
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal("1.0", root.GetProperty("schema_version").GetString());
        Assert.Equal("llava", root.GetProperty("model").GetProperty("model_type").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("per_token_maps").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("prompt_tokens")[0].GetProperty("saliency").ValueKind);
        Assert.Equal(0.31, root.GetProperty("answer_tokens")[0].GetProperty("visual_weight").GetDouble());
        Assert.Equal("float32", root.GetProperty("model").GetProperty("dtype").GetString());
        // Option names are written as given.
        Assert.Equal("gradient", root.GetProperty("options").GetProperty("head_weighting").GetString());
        // Token pieces stay readable rather than \u-escaped.
        Assert.Contains("\"▁what\"", json);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void SerialisedResultsConformToTheSchema(bool approximate, bool perTokenMaps)
    {
        string json = ResultJson.Serialize(SampleResults.Glimpse(approximate, perTokenMaps));
        Assert.Empty(SchemaErrors(json));
    }

    [Fact]
    public void TheSchemaCatchesWhatItShould()
    {
        string json = ResultJson.Serialize(SampleResults.Glimpse());
        var errors = SchemaErrors(json
            .Replace("\"question\": \"", "\"extra_field\": 1, \"question\": \"")
            .Replace("\"role\": \"bos\"", "\"role\": \"system\"")
            .Replace("\"peak_memory_bytes\": 3221225472", "\"peak_memory_bytes\": 1.5")
            .Replace("\"schema_version\": \"1.0\"", "\"schema_version\": \"one\""));
        Assert.Contains(errors, e => e.StartsWith("$.extra_field", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.prompt_tokens[0].role", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.peak_memory_bytes", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.schema_version", StringComparison.Ordinal));

        var withoutTimings = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;
        withoutTimings.Remove("timings");
        Assert.Contains("$: missing required 'timings'", SchemaErrors(JsonSerializer.Serialize(withoutTimings)));
    }

    [Fact]
    public void EveryPropertyInTheSchemaHasADescription()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Schema", "result.schema.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var missing = new List<string>();
        void Walk(JsonElement properties, string where)
        {
            foreach (var property in properties.EnumerateObject())
            {
                var schema = property.Value;
                bool described = schema.TryGetProperty("description", out _)
                                 || (schema.TryGetProperty("$ref", out var reference)
                                     && document.RootElement.GetProperty("$defs").GetProperty(reference.GetString()!["#/$defs/".Length..]).TryGetProperty("description", out _));
                if (!described) missing.Add($"{where}.{property.Name}");
            }
        }
        Walk(document.RootElement.GetProperty("properties"), "$");
        foreach (var definition in document.RootElement.GetProperty("$defs").EnumerateObject())
            if (definition.Value.TryGetProperty("properties", out var properties)) Walk(properties, definition.Name);
        Assert.Empty(missing);
    }

    [Fact]
    public void NonFiniteNumbersAreRefusedWithTheirPath()
    {
        double[] values = new double[16];
        values[1] = double.NaN;
        var result = SampleResults.Glimpse() with { ImageMap = new ImageTokenMap(SampleResults.Layout, values), PerTokenMaps = null };
        var error = Assert.Throws<ArgumentException>(() => ResultJson.Serialize(result));
        Assert.Contains("image_tokens[1].value", error.Message);

        var tokens = SampleResults.Glimpse().AnswerTokens.ToArray();
        tokens[2] = tokens[2] with { Relevance = double.PositiveInfinity };
        error = Assert.Throws<ArgumentException>(() => ResultJson.Serialize(SampleResults.Glimpse() with { AnswerTokens = tokens }));
        Assert.Contains("answer_tokens[2].relevance", error.Message);
    }

    [Fact]
    public void InconsistentOrIncompleteFilesAreRejected()
    {
        string json = ResultJson.Serialize(SampleResults.Glimpse(perTokenMaps: false));
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(json.Replace("\"height\": 4", "\"height\": 5")));
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(json.Replace("\"schema_version\": \"1.0\"", "\"schema_version\": \"2.0\"")));
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(json.Replace("\"method\": \"glimpse\",", "")));
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(json.Replace("\"device\": \"cpu\"", "\"gpu\": \"cpu\"")));
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(json.Replace("\"question\": \"what", "\"question\": null, \"q\": \"what")));
        // A newer minor version with a field this reader does not know still reads.
        var newer = ResultJson.Deserialize(json.Replace("\"schema_version\": \"1.0\"", "\"schema_version\": \"1.3\", \"future_field\": [1, 2]"));
        Assert.Equal("1.3", newer.SchemaVersion);
    }
}
