using System.Text.Json;
using System.Text.Json.Nodes;

namespace Glimpse.Model.Configuration;

/// <summary>
/// Reads one JSON object of a Hugging Face config file. <c>save_pretrained</c> omits every value equal to the class
/// default, so each read names the default Hugging Face would use; a value of the wrong kind is an error naming the
/// file and key, not a silent default.
/// </summary>
internal sealed class JsonConfig
{
    private readonly JsonObject _node;
    public string File { get; }
    public string Path { get; }

    public JsonConfig(JsonObject node, string file, string path = "")
    {
        _node = node;
        File = file;
        Path = path;
    }

    public static JsonConfig Load(string file)
    {
        if (!System.IO.File.Exists(file)) throw new ModelLoadException($"Missing {System.IO.Path.GetFileName(file)}: expected it at {file}.");
        try
        {
            return JsonNode.Parse(System.IO.File.ReadAllText(file)) is JsonObject obj
                ? new JsonConfig(obj, file)
                : throw new ModelLoadException($"{file}: the top level is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{file}: not valid JSON ({e.Message}).", e);
        }
    }

    /// <summary>An empty section standing for one the file leaves out (every value then takes its default).</summary>
    public static JsonConfig Empty(JsonConfig parent, string key) => new(new JsonObject(), parent.File, key);

    public bool Has(string key) => _node.TryGetPropertyValue(key, out var v) && v is not null;

    /// <summary>The key is present, even with a null value (which, for some keys, differs from the default).</summary>
    public bool HasKey(string key) => _node.ContainsKey(key);

    public JsonConfig? Section(string key) => _node.TryGetPropertyValue(key, out var v) && v is JsonObject o
        ? new JsonConfig(o, File, Key(key))
        : null;

    public int Int(string key, int fallback) => Read(key, fallback, n => checked((int)n.GetValue<double>()));
    public long Long(string key, long fallback) => Read(key, fallback, n => checked((long)n.GetValue<double>()));
    public double Double(string key, double fallback) => Read(key, fallback, n => n.GetValue<double>());
    public bool Bool(string key, bool fallback) => Read(key, fallback, n => n.GetValue<bool>());
    public string String(string key, string fallback) => Read(key, fallback, n => n.GetValue<string>());

    public long? OptionalLong(string key) => Has(key) ? Long(key, 0) : null;

    /// <summary>An int or a list of ints (e.g. <c>vision_feature_layer</c>, <c>eos_token_id</c>).</summary>
    public long[] LongList(string key, long[] fallback)
    {
        if (!_node.TryGetPropertyValue(key, out var v) || v is null) return fallback;
        try
        {
            return v is JsonArray a ? a.Select(x => checked((long)x!.GetValue<double>())).ToArray() : [checked((long)v.GetValue<double>())];
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException or NullReferenceException)
        {
            throw new ModelLoadException($"{File}: '{Key(key)}' must be an integer or a list of integers.", e);
        }
    }

    /// <summary>A list of integer lists (e.g. <c>image_grid_pinpoints</c>), or null when the key is absent.</summary>
    public long[][]? LongLists(string key)
    {
        if (!_node.TryGetPropertyValue(key, out var v) || v is null) return null;
        try
        {
            return ((JsonArray)v).Select(row => ((JsonArray)row!).Select(x => checked((long)x!.GetValue<double>())).ToArray()).ToArray();
        }
        catch (Exception e) when (e is InvalidCastException or InvalidOperationException or FormatException or OverflowException or NullReferenceException)
        {
            throw new ModelLoadException($"{File}: '{Key(key)}' must be a list of lists of integers.", e);
        }
    }

    private T Read<T>(string key, T fallback, Func<JsonValue, T> convert)
    {
        if (!_node.TryGetPropertyValue(key, out var v) || v is null) return fallback;
        try
        {
            return v is JsonValue value ? convert(value) : throw new InvalidOperationException("not a scalar");
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException)
        {
            throw new ModelLoadException($"{File}: '{Key(key)}' has an unexpected value {v.ToJsonString()} ({typeof(T).Name} expected).", e);
        }
    }

    private string Key(string key) => Path.Length == 0 ? key : $"{Path}.{key}";
}
