using System.Text.Json;
using System.Text.Json.Nodes;

namespace Glimpse.Model.Text;

/// <summary>An entry of tokenizer.json's <c>added_tokens</c>: matched in the raw text before the model runs.</summary>
internal sealed record AddedToken(long Id, string Content, bool Special, bool Normalized);

/// <summary>
/// What Glimpse reads from a Hugging Face tokenizer.json itself. The tokenizing is done by the Rust library
/// (Tokenizers.DotNet), which exposes only encode and decode, so the id ↔ token tables, the added tokens and the
/// unknown token come from here.
/// </summary>
internal sealed class TokenizerJson
{
    public required string Path { get; init; }
    public required JsonObject Root { get; init; }
    /// <summary>Every token of the model vocabulary and of <c>added_tokens</c>, by id.</summary>
    public required IReadOnlyDictionary<long, string> TokensById { get; init; }
    /// <summary>Token → id; an added token wins over a model-vocabulary entry with the same text, as in the library.</summary>
    public required IReadOnlyDictionary<string, long> IdsByToken { get; init; }
    public required IReadOnlyList<AddedToken> AddedTokens { get; init; }
    public required long? UnknownId { get; init; }

    public static TokenizerJson Load(string path)
    {
        JsonObject root = TokenizerFiles.ReadJsonObject(path);
        try
        {
            JsonObject model = root["model"]?.AsObject() ?? throw new InvalidDataException("it has no \"model\" object");
            string type = model["type"]?.GetValue<string>() ?? throw new InvalidDataException("\"model\" has no \"type\"");
            var vocabulary = ReadModelVocabulary(model, type);
            var added = (root["added_tokens"]?.AsArray() ?? [])
                .Select(t => new AddedToken(
                    Required(t?["id"], "an added token has no \"id\"").GetValue<long>(),
                    Required(t?["content"], "an added token has no \"content\"").GetValue<string>(),
                    t?["special"]?.GetValue<bool>() ?? false,
                    t?["normalized"]?.GetValue<bool>() ?? false))
                .ToList();

            var tokensById = new Dictionary<long, string>();
            var idsByToken = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (token, id) in vocabulary)
            {
                tokensById[id] = token;
                idsByToken[token] = id;
            }
            foreach (var token in added)
            {
                tokensById[token.Id] = token.Content;
                idsByToken[token.Content] = token.Id;
            }

            return new TokenizerJson
            {
                Path = path,
                Root = root,
                TokensById = tokensById,
                IdsByToken = idsByToken,
                AddedTokens = added,
                UnknownId = ReadUnknownId(model, type, idsByToken),
            };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidDataException or JsonException)
        {
            // JsonNode throws InvalidOperationException for a value of the wrong kind; all of these mean a malformed file.
            throw new InvalidDataException($"Malformed tokenizer file '{path}': {e.Message}", e);
        }
    }

    /// <summary>
    /// The same file with no post-processor and no added token flagged special. The library always encodes with
    /// add_special_tokens = true and always decodes with skip_special_tokens = true; with this variant it does
    /// neither. Only the post-processor adds tokens (BOS, EOS, CLS …) to an encoding, and the special flag changes
    /// only decoding, not how added tokens are matched in the text, so encoding otherwise stays identical.
    /// </summary>
    public string PlainVariantJson()
    {
        var copy = Root.DeepClone().AsObject();
        copy["post_processor"] = null;
        foreach (var token in copy["added_tokens"]?.AsArray() ?? [])
            token!["special"] = false;
        return copy.ToJsonString();
    }

    private static IEnumerable<(string Token, long Id)> ReadModelVocabulary(JsonObject model, string type)
    {
        JsonNode vocab = model["vocab"] ?? throw new InvalidDataException("\"model\" has no \"vocab\"");
        return type switch
        {
            "WordLevel" or "WordPiece" or "BPE" => vocab.AsObject()
                .Select(kv => (kv.Key, Required(kv.Value, $"vocabulary entry \"{kv.Key}\" is null").GetValue<long>()))
                .ToList(),
            // Unigram lists [piece, score] pairs; the id is the index.
            "Unigram" => vocab.AsArray()
                .Select((pair, index) => (Required(pair?[0], $"vocabulary entry {index} has no piece").GetValue<string>(), (long)index))
                .ToList(),
            _ => throw new InvalidDataException($"model type \"{type}\" is not supported (WordLevel, WordPiece, BPE, Unigram are)"),
        };
    }

    private static JsonNode Required(JsonNode? node, string whatIsMissing) =>
        node ?? throw new InvalidDataException(whatIsMissing);

    private static long? ReadUnknownId(JsonObject model, string type, IReadOnlyDictionary<string, long> idsByToken)
    {
        if (type == "Unigram")
            return model["unk_id"]?.GetValue<long>();
        string? unknown = model["unk_token"]?.GetValue<string>();
        if (unknown is null) return null;
        return idsByToken.TryGetValue(unknown, out long id)
            ? id
            : throw new InvalidDataException($"the unknown token \"{unknown}\" is not in the vocabulary");
    }
}
