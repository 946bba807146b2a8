using System.Text.Json;
using System.Text.Json.Nodes;
using Glimpse.Core.Images;

namespace Glimpse.Model.Processing;

/// <summary>
/// Typed reads from a Hugging Face <c>preprocessor_config.json</c>, with errors that name the file and the key.
/// A key that is absent or null takes the processor's Hugging Face default.
/// </summary>
internal sealed class PreprocessorConfig
{
    public const string FileName = "preprocessor_config.json";

    /// <summary>How errors name this object: the file, plus the key path for a nested object.</summary>
    public string Location { get; }
    private readonly JsonObject _json;

    public PreprocessorConfig(JsonObject json, string location)
    {
        _json = json;
        Location = location;
    }

    public static PreprocessorConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"The image processor configuration {path} does not exist; a model folder needs its {FileName}.", path);
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) is JsonObject json
                ? new PreprocessorConfig(json, path)
                : throw new InvalidDataException($"{path} must hold a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {e.Message}", e);
        }
    }

    public InvalidDataException Invalid(string key, string expected) =>
        new($"{Location}: '{key}' must be {expected}, got {_json[key]?.ToJsonString() ?? "null"}.");

    public bool Has(string key) => _json[key] is not null;

    public string? String(string key) => _json[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        _ => throw Invalid(key, "a string"),
    };

    public bool Bool(string key, bool fallback) => _json[key] switch
    {
        null => fallback,
        JsonValue v when v.TryGetValue(out bool b) => b,
        _ => throw Invalid(key, "true or false"),
    };

    public double Double(string key, double fallback) => _json[key] switch
    {
        null => fallback,
        JsonValue v when v.TryGetValue(out double d) => d,
        _ => throw Invalid(key, "a number"),
    };

    public int? Int(string key) => _json[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out int i) => i,
        JsonValue v when v.TryGetValue(out double d) && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue => (int)d,
        _ => throw Invalid(key, "an integer"),
    };

    public int Int(string key, int fallback) => Int(key) ?? fallback;

    /// <summary>A list of [height, width] pairs (<c>image_grid_pinpoints</c>) as sizes, or null when the key is absent.</summary>
    public PixelSize[]? HeightWidthPairs(string key) => _json[key] switch
    {
        null => null,
        JsonArray pairs => pairs.Select(p => p is JsonArray { Count: 2 } pair
                && pair[0] is JsonValue h && h.TryGetValue(out int height) && pair[1] is JsonValue w && w.TryGetValue(out int width)
                && height > 0 && width > 0
            ? new PixelSize(width, height)
            : throw Invalid(key, "a list of [height, width] pairs of positive integers")).ToArray(),
        _ => throw Invalid(key, "a list of [height, width] pairs of positive integers"),
    };

    /// <summary>A per-channel list (RGB): three numbers, or one number for all channels as Hugging Face allows.</summary>
    public double[] Channels(string key, double[] fallback)
    {
        switch (_json[key])
        {
            case null:
                return fallback;
            case JsonValue v when v.TryGetValue(out double single):
                return [single, single, single];
            case JsonArray array when array.Count == 3:
                return array.Select(n => n is JsonValue e && e.TryGetValue(out double d) ? d : throw Invalid(key, "three numbers")).ToArray();
            default:
                throw Invalid(key, "three numbers (one per RGB channel)");
        }
    }

    /// <summary>A nested object such as <c>size</c> or <c>crop_size</c>, or null when the key is absent or not an object.</summary>
    public PreprocessorConfig? Section(string key) =>
        _json[key] is JsonObject o ? new PreprocessorConfig(o, $"{Location} ({key})") : null;

    /// <summary>The <c>resample</c> filter, in PIL's numbering; filters this port does not implement are refused by name.</summary>
    public PilResampleFilter Resample(PilResampleFilter fallback)
    {
        int? code = Int("resample");
        return code switch
        {
            null => fallback,
            (int)PilResampleFilter.Bilinear => PilResampleFilter.Bilinear,
            (int)PilResampleFilter.Bicubic => PilResampleFilter.Bicubic,
            (int)PilResampleFilter.Lanczos => PilResampleFilter.Lanczos,
            0 or 4 or 5 => throw new NotSupportedException(
                $"{Location}: resample = {code} ({PilFilterName(code.Value)}) is not supported; only 1 (LANCZOS), 2 (BILINEAR) and 3 (BICUBIC) are implemented."),
            _ => throw Invalid("resample", "a PIL filter number (1 = LANCZOS, 2 = BILINEAR, 3 = BICUBIC)"),
        };
    }

    private static string PilFilterName(int code) => code switch
    {
        0 => "NEAREST",
        4 => "BOX",
        _ => "HAMMING",
    };
}
