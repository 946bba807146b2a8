using System.Text.Json;
using System.Text.Json.Nodes;
using Glimpse.Core.Rendering;
using Glimpse.Core.Results;

namespace Glimpse.Explain.Tests.Report;

public class ResultJsonTests
{
    private static JsonSchemaSubset Schema()
    {
        // The schema is copied beside the Glimpse.Explain binaries, and from there into this test's output.
        string path = Path.Combine(AppContext.BaseDirectory, "Schemas", "result.schema.json");
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
        Assert.Equal("2.0", root.GetProperty("schema_version").GetString());
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
            .Replace("\"schema_version\": \"2.0\"", "\"schema_version\": \"one\""));
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
        string path = Path.Combine(AppContext.BaseDirectory, "Schemas", "result.schema.json");
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
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(json.Replace("\"rows\": 4", "\"rows\": 5")));
        // A 1.x file is for the audit aggregator's own reader, with its geometry.json; a 3.x one is not understood.
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(json.Replace("\"schema_version\": \"2.0\"", "\"schema_version\": \"1.0\"")));
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(json.Replace("\"schema_version\": \"2.0\"", "\"schema_version\": \"3.0\"")));
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(json.Replace("\"method\": \"glimpse\",", "")));
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(json.Replace("\"device\": \"cpu\"", "\"gpu\": \"cpu\"")));
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(json.Replace("\"question\": \"what", "\"question\": null, \"q\": \"what")));
        // A newer minor version with a field this reader does not know still reads.
        var newer = ResultJson.Deserialize(json.Replace("\"schema_version\": \"2.0\"", "\"schema_version\": \"2.3\", \"future_field\": [1, 2]"));
        Assert.Equal("2.3", newer.SchemaVersion);
    }

    /// <summary>The sample answer over <see cref="SampleResults.TwoGrids"/> with a CLS token in front: 91 image tokens.</summary>
    private static ExplanationResult TwoGridsWithCls()
    {
        var layout = SampleResults.TwoGrids(leadingUnplaced: 1);
        var values = Enumerable.Range(0, layout.TokenCount).Select(k => k == 0 ? SampleResults.ClsValue : 0.01 * (k % 7)).ToArray();
        var perToken = Enumerable.Range(0, 5).Select(t => new ImageTokenMap(layout, values.Select(v => v * (t + 1)).ToArray())).ToList();
        return SampleResults.WithImageMap(SampleResults.Glimpse(), new ImageTokenMap(layout, values), perToken);
    }

    [Fact]
    public void ALayoutOfTwoGridsAndAnUnplacedTokenRoundTripsAndConformsToTheSchema()
    {
        var result = TwoGridsWithCls();
        string json = ResultJson.Serialize(result);
        Assert.Empty(SchemaErrors(json));
        var back = ResultJson.Deserialize(json);
        Assert.Equal(json, ResultJson.Serialize(back));
        Assert.Equal(result.ImageMap.Values, back.ImageMap.Values);
        Assert.Equal(["base", "high-res"], back.ImageMap.Layout.Grids.Select(g => g.Name));
        Assert.Equal(result.ImageMap.Layout.Grids[1].Tokens, back.ImageMap.Layout.Grids[1].Tokens);
        Assert.Equal(result.ImageMap.Layout.Grids[1].Geometry, back.ImageMap.Layout.Grids[1].Geometry);
        Assert.Equal([0], back.ImageMap.Layout.UnplacedTokens);
        Assert.Same(back.ImageMap.Layout, back.PerTokenMaps![4].Layout);

        var root = JsonNode.Parse(json)!;
        // The CLS token: its value and sequence position, no grid and no cell.
        var cls = root["image_tokens"]![0]!;
        Assert.Equal(SampleResults.ClsValue, cls["value"]!.GetValue<double>());
        Assert.Equal(3, cls["position"]!.GetValue<int>());
        Assert.Null(cls["grid"]);
        Assert.Null(cls["row"]);
        Assert.Equal([0], root["image_layout"]!["unplaced_tokens"]!.AsArray().Select(n => n!.GetValue<int>()));
        // Token 31 is the high-res grid's first cell.
        var highRes = root["image_tokens"]![31]!;
        Assert.Equal((1, 0, 0), (highRes["grid"]!.GetValue<int>(), highRes["row"]!.GetValue<int>(), highRes["column"]!.GetValue<int>()));
        Assert.Equal(34, highRes["position"]!.GetValue<int>());
        Assert.Equal(new[] { 0.0, 0, 24, 40 }, new[] { "left", "top", "right", "bottom" }.Select(k => root["image_layout"]!["grids"]![1]!["region_on_original"]![k]!.GetValue<double>()));
        // The composed map: 4 × 4-pixel cells (the finest grid's) over the 48 × 40 photo, holding the placed tokens' total.
        var map = root["image_map"]!;
        Assert.Equal((12, 10), (map["width"]!.GetValue<int>(), map["height"]!.GetValue<int>()));
        Assert.Equal(MapComposer.Rule, map["rule"]!.GetValue<string>());
        Assert.Equal(result.ImageMap.Values.Skip(1).Sum(), map["values"]!.AsArray().Sum(v => v!.GetValue<double>()), 9);
    }

    [Fact]
    public void ALayoutThatDisagreesWithItselfIsRejected()
    {
        string json = ResultJson.Serialize(TwoGridsWithCls());
        string Changed(Action<JsonNode> change)
        {
            var root = JsonNode.Parse(json)!;
            change(root);
            return root.ToJsonString();
        }

        // A token listed in two cells: the high-res grid's first cell names the base grid's first token.
        var twice = Assert.Throws<JsonException>(() => ResultJson.Deserialize(Changed(r => r["image_layout"]!["grids"]![1]!["tokens"]![0] = 1)));
        Assert.Contains("fills two cells", twice.Message);
        // An image token whose cell is not the layout's, or that claims a cell it does not have.
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(Changed(r => r["image_tokens"]![5]!["column"] = 3)));
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(Changed(r => r["image_tokens"]![0]!["grid"] = 0)));
        // A position that is not the prompt's image token, unplaced tokens the grids do not leave, a moved region.
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(Changed(r => r["image_tokens"]![7]!["position"] = 2)));
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(Changed(r => r["image_layout"]!["unplaced_tokens"] = new JsonArray())));
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(Changed(r => r["image_layout"]!["grids"]![1]!["region_on_original"]!["right"] = 30)));
        // A composed map that is not the tokens', and per-token maps of the wrong length.
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(Changed(r => r["image_map"]!["values"]![0] = 5)));
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(Changed(r => r["image_map"]!["width"] = 11)));
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(Changed(r => r["per_token_maps"]![2]!.AsArray().RemoveAt(0))));
        Assert.Throws<JsonException>(() => ResultJson.Deserialize(Changed(r => r["image_layout"]!["token_count"] = 92)));
    }
}
