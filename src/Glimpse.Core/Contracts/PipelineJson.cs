using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Glimpse.Core.Contracts;

/// <summary>
/// How every pipeline document (status.json, failure.json, completion events, work messages) is written: snake_case
/// names and enum values (<c>"succeeded"</c>, <c>"job_id"</c>) like result.json, so one reader style fits all files;
/// nulls are written, so every field the schema lists is present; non-ASCII text stays readable.
/// </summary>
public static class PipelineJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };

    public static BinaryData Serialize<T>(T value) => BinaryData.FromObjectAsJson(value, Options);

    /// <summary>Reads a document; anything that is not one (bad JSON, a missing field, null) is a <see cref="JsonException"/>.</summary>
    public static T Deserialize<T>(BinaryData json) =>
        json.ToObjectFromJson<T>(Options) ?? throw new JsonException($"the document holds null instead of a {typeof(T).Name}");
}
