using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Glimpse.Infra.Tests.Support;

/// <summary>A YAML file as plain dictionaries and lists, with merge keys (<c>&lt;&lt;: *anchor</c>) applied.</summary>
public static class YamlFile
{
    public static Dictionary<object, object> Load(string path)
    {
        using var reader = new StreamReader(path);
        object? document = new DeserializerBuilder().Build().Deserialize<object>(new MergingParser(new Parser(reader)));
        return document as Dictionary<object, object> ?? throw new InvalidDataException($"{path} is not a YAML mapping.");
    }

    public static Dictionary<object, object> Map(this Dictionary<object, object> map, string key) =>
        map.TryGetValue(key, out object? value) && value is Dictionary<object, object> child
            ? child
            : throw new KeyNotFoundException($"No mapping '{key}'.");

    public static Dictionary<object, object>? MapOrNull(this Dictionary<object, object> map, string key) =>
        map.TryGetValue(key, out object? value) ? value as Dictionary<object, object> : null;

    public static string? Text(this Dictionary<object, object> map, string key) =>
        map.TryGetValue(key, out object? value) ? value as string : null;
}
