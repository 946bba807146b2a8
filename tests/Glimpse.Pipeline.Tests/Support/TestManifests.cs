using System.Text;
using System.Text.Json.Nodes;

namespace Glimpse.Pipeline.Tests;

/// <summary>Manifests for tests: a valid one on the tiny LLaVA model, to be changed field by field.</summary>
public static class TestManifests
{
    /// <summary>Short answers keep the tiny model's runs to a fraction of a second.</summary>
    public const int TestMaxNewTokens = 4;

    public static JsonObject Valid(string model = TinyModels.Llava, string image = "image.png") => new()
    {
        ["schema_version"] = "1.0",
        ["prompt"] = "what color is the big ball",
        ["image"] = image,
        ["model"] = model,
        ["method"] = "glimpse",
        ["options"] = new JsonObject { ["lambda"] = 0.5, ["normalize"] = "percentile" },
        ["max_new_tokens"] = TestMaxNewTokens,
        ["correlation_id"] = "client-42",
        ["tags"] = new JsonObject { ["team"] = "vision", ["run"] = "nightly" },
    };

    public static byte[] Bytes(JsonNode manifest) => Encoding.UTF8.GetBytes(manifest.ToJsonString());

    public static JsonObject With(this JsonObject manifest, string field, JsonNode? value)
    {
        var copy = (JsonObject)manifest.DeepClone();
        copy[field] = value;
        return copy;
    }

    public static JsonObject Without(this JsonObject manifest, string field)
    {
        var copy = (JsonObject)manifest.DeepClone();
        copy.Remove(field);
        return copy;
    }
}
