using System.Text.Json;
using System.Text.Json.Nodes;

namespace Glimpse.Model.Text;

/// <summary>
/// The parts of tokenizer_config.json that tokenizer.json does not carry: which tokens play the BOS, EOS, PAD and
/// UNK roles, the extra special tokens, and the longest sequence the model accepts.
/// </summary>
internal sealed record TokenizerConfig(
    string? BosToken,
    string? EosToken,
    string? PadToken,
    string? UnkToken,
    IReadOnlyList<string> AdditionalSpecialTokens,
    int? ModelMaxLength)
{
    public IEnumerable<string> NamedSpecialTokens =>
        new[] { BosToken, EosToken, PadToken, UnkToken }.OfType<string>().Concat(AdditionalSpecialTokens);

    public static TokenizerConfig Load(string path)
    {
        JsonObject root = TokenizerFiles.ReadJsonObject(path);
        try
        {
            return new TokenizerConfig(
                TokenString(root["bos_token"]),
                TokenString(root["eos_token"]),
                TokenString(root["pad_token"]),
                TokenString(root["unk_token"]),
                (root["additional_special_tokens"]?.AsArray() ?? [])
                    .Select(t => TokenString(t) ?? throw new InvalidDataException("additional_special_tokens holds a null"))
                    .ToList(),
                MaxLength(root["model_max_length"]));
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException or InvalidDataException)
        {
            throw new InvalidDataException($"Malformed tokenizer file '{path}': {e.Message}", e);
        }
    }

    /// <summary>A token is written either as its text or as a serialised AddedToken object with a "content" field.</summary>
    private static string? TokenString(JsonNode? node) => node switch
    {
        null => null,
        JsonObject added => added["content"]?.GetValue<string>()
            ?? throw new InvalidDataException("a token object has no \"content\""),
        _ => node.GetValue<string>(),
    };

    /// <summary>transformers writes int(1e30) when a checkpoint sets no limit; that means "none".</summary>
    private static int? MaxLength(JsonNode? node)
    {
        if (node is null) return null;
        double value = node.GetValue<double>();
        return value is >= 1 and <= int.MaxValue ? (int)value : null;
    }
}
