using System.Text.Json;
using System.Text.Json.Nodes;

namespace Glimpse.Model.Loading;

/// <summary>The safetensors files of a checkpoint folder: one <c>model.safetensors</c>, or the shards named by
/// <c>model.safetensors.index.json</c>. Every listed shard must exist before any is read.</summary>
public static class CheckpointFiles
{
    public static IReadOnlyList<string> Find(string modelDir)
    {
        string single = Path.Combine(modelDir, "model.safetensors");
        if (File.Exists(single)) return [single];

        string index = Path.Combine(modelDir, "model.safetensors.index.json");
        if (!File.Exists(index))
            throw new ModelLoadException($"No weights in {modelDir}: expected model.safetensors or model.safetensors.index.json.");

        JsonObject? weightMap;
        try
        {
            weightMap = JsonNode.Parse(File.ReadAllText(index))?["weight_map"] as JsonObject;
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{index}: not valid JSON ({e.Message}).", e);
        }
        if (weightMap is null || weightMap.Count == 0)
            throw new ModelLoadException($"{index}: no 'weight_map' object.");

        var shards = weightMap.Select(kv => kv.Value?.GetValue<string>() ?? throw new ModelLoadException($"{index}: '{kv.Key}' has no shard file."))
            .Distinct().Order(StringComparer.Ordinal).ToList();
        var missing = shards.Where(s => !File.Exists(Path.Combine(modelDir, s))).ToList();
        if (missing.Count > 0)
            throw new ModelLoadException($"Incomplete shard set in {modelDir}: {string.Join(", ", missing)} listed in model.safetensors.index.json but missing.");
        return shards.Select(s => Path.Combine(modelDir, s)).ToList();
    }
}
