using Tokenizers.DotNet;

namespace Glimpse.Model.Text;

/// <summary>
/// A Hugging Face tokenizer loaded from a model folder (tokenizer.json + tokenizer_config.json).
/// <para>
/// Encoding and decoding run in the Rust <c>tokenizers</c> library through Tokenizers.DotNet, so every model type,
/// normalizer, pre-tokenizer, post-processor and decoder in tokenizer.json behaves as in Python. That binding offers
/// only <c>Encode(text)</c> (always with the post-processor's special tokens) and <c>Decode(ids)</c> (always
/// skipping special tokens); the rest is built around it here:
/// encoding without special tokens and decoding with them use a second library instance loaded from a variant of
/// tokenizer.json (see <see cref="TokenizerJson.PlainVariantJson"/>); id ↔ token lookups read tokenizer.json
/// directly; and token offsets, which the binding does not report, are recovered by aligning decoded tokens with the
/// input (<see cref="TokenAligner"/>).
/// </para>
/// <para>Thread-safe: the state is immutable after loading and the library's encode and decode may run concurrently.</para>
/// </summary>
public sealed class TextTokenizer : IDisposable
{
    private readonly Tokenizer _withPostProcessor;
    private readonly Tokenizer _plain;
    private readonly TokenizerJson _json;
    private readonly HashSet<long> _specialIds;
    private readonly HashSet<long> _addedIds;

    private TextTokenizer(Tokenizer withPostProcessor, Tokenizer plain, TokenizerJson json, TokenizerConfig config)
    {
        _withPostProcessor = withPostProcessor;
        _plain = plain;
        _json = json;
        _addedIds = json.AddedTokens.Select(t => t.Id).ToHashSet();
        // transformers registers the roles named in tokenizer_config.json as special tokens even where
        // tokenizer.json does not flag them, so both sources count.
        _specialIds = json.AddedTokens.Where(t => t.Special).Select(t => t.Id)
            .Concat(config.NamedSpecialTokens.Select(t => RequireToken(t, json)))
            .ToHashSet();
        SpecialTokens = _specialIds.Order().Select(id => json.TokensById[id]).ToList();
        BosToken = config.BosToken;
        EosToken = config.EosToken;
        PadToken = config.PadToken;
        UnkToken = config.UnkToken;
        BosId = IdOf(config.BosToken);
        EosId = IdOf(config.EosToken);
        PadId = IdOf(config.PadToken);
        UnkId = json.UnknownId ?? IdOf(config.UnkToken);
        ModelMaxLength = config.ModelMaxLength;
        VocabSize = json.TokensById.Count;
    }

    public string? BosToken { get; }
    public string? EosToken { get; }
    public string? PadToken { get; }
    public string? UnkToken { get; }
    /// <summary>The BOS id named by tokenizer_config.json; null where the tokenizer has none (Qwen2).</summary>
    public long? BosId { get; }
    public long? EosId { get; }
    public long? PadId { get; }
    public long? UnkId { get; }
    /// <summary>Distinct ids in the vocabulary plus added tokens. A model's embedding matrix may have more rows.</summary>
    public int VocabSize { get; }
    /// <summary>tokenizer_config.json's model_max_length; null where it sets no limit.</summary>
    public int? ModelMaxLength { get; }
    /// <summary>The text of every special token (flagged in tokenizer.json or named in tokenizer_config.json), by id.</summary>
    public IReadOnlyList<string> SpecialTokens { get; }

    /// <summary>Loads <c>tokenizer.json</c> and <c>tokenizer_config.json</c> from a model folder.</summary>
    /// <exception cref="FileNotFoundException">A file is missing (the message names it).</exception>
    /// <exception cref="InvalidDataException">A file is malformed or inconsistent (the message names it).</exception>
    public static TextTokenizer FromFolder(string modelDir)
    {
        string tokenizerPath = Path.Combine(modelDir, TokenizerFiles.TokenizerFileName);
        string configPath = Path.Combine(modelDir, TokenizerFiles.ConfigFileName);
        TokenizerJson json = TokenizerJson.Load(tokenizerPath);
        TokenizerConfig config = TokenizerConfig.Load(configPath);

        Tokenizer? withPostProcessor = null;
        Tokenizer? plain = null;
        try
        {
            withPostProcessor = LoadLibraryTokenizer(tokenizerPath, tokenizerPath);
            plain = LoadPlainVariant(json);
            CheckAddedTokenIds(plain, json);
            return new TextTokenizer(withPostProcessor, plain, json, config);
        }
        catch
        {
            withPostProcessor?.Dispose();
            plain?.Dispose();
            throw;
        }
    }

    /// <summary>Token ids of <paramref name="text"/>, as Hugging Face's <c>encode(text, add_special_tokens)</c>.</summary>
    public long[] Encode(string text, bool addSpecialTokens = true) =>
        ToLongs((addSpecialTokens ? _withPostProcessor : _plain).Encode(text));

    /// <summary>
    /// Token ids of <paramref name="text"/> with the characters each token came from. The ids are those of
    /// <see cref="Encode"/>. The library reports no offsets, so they are recovered by matching each token's decoded
    /// text to the input in order (<see cref="TokenAligner"/>); like Hugging Face's trim_offsets, a span covers the
    /// token's visible characters without the whitespace around them. This is exact for tokenizers whose decoding
    /// gives back the input up to whitespace: word-level, byte-level BPE (GPT-2, Qwen2) and SentencePiece BPE with
    /// byte fallback (Llama). A token holding part of a multi-byte character gets the span of the whole character;
    /// the unknown token gets the input it replaced. Throws <see cref="InvalidOperationException"/> where the
    /// tokenizer alters text beyond that (lower-casing, accent stripping), since offsets cannot then be recovered.
    /// </summary>
    public TextEncoding EncodeWithOffsets(string text, bool addSpecialTokens = true)
    {
        long[] plainIds = Encode(text, addSpecialTokens: false);
        CharSpan[] spans = TokenAligner.Align(text, TokenPieces(plainIds));
        if (!addSpecialTokens)
            return new TextEncoding(plainIds, spans.Select(s => (CharSpan?)s).ToArray());

        // The post-processor only surrounds the plain encoding with its own tokens, which have no text.
        long[] ids = Encode(text, addSpecialTokens: true);
        int prefix = ids.AsSpan().IndexOf(plainIds);
        if (prefix < 0)
            throw new InvalidOperationException(
                $"The post-processor in {_json.Path} does more than add tokens around the text (truncation?); offsets are unavailable.");
        var offsets = new CharSpan?[ids.Length];
        for (int i = 0; i < plainIds.Length; i++) offsets[prefix + i] = spans[i];
        return new TextEncoding(ids, offsets);
    }

    /// <summary>
    /// Text of <paramref name="ids"/>, as Hugging Face's <c>decode(ids, skip_special_tokens)</c>. Ids outside the
    /// vocabulary are dropped, as there (a model's padded embedding rows have no token).
    /// </summary>
    public string Decode(IReadOnlyList<long> ids, bool skipSpecialTokens = true) =>
        _plain.Decode(ids.Where(id => !(skipSpecialTokens && _specialIds.Contains(id))).Select(ToUInt).ToArray());

    /// <summary>One token's text as the tokenizer's decoder renders it (special tokens included), for display.</summary>
    public string TokenText(long id) => _json.TokensById.ContainsKey(id)
        ? _plain.Decode([ToUInt(id)])
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"No token has id {id} in {_json.Path}.");

    /// <summary>The id of a token given by its exact vocabulary string (e.g. "&lt;image&gt;", "Ġcolor"), or null.</summary>
    public long? TokenToId(string token) => _json.IdsByToken.TryGetValue(token, out long id) ? id : null;

    public bool IsSpecial(long id) => _specialIds.Contains(id);

    public void Dispose()
    {
        _withPostProcessor.Dispose();
        _plain.Dispose();
    }

    /// <summary>
    /// What each token contributes to the text: added tokens (matched verbatim in the input) their content, other
    /// tokens the difference their decoding makes. Decoding runs of ordinary tokens prefix by prefix lets the
    /// decoder handle word-boundary markers, byte-level characters and byte fallback exactly as it does for the
    /// whole text.
    /// </summary>
    private List<TokenPiece> TokenPieces(long[] ids)
    {
        var pieces = new List<TokenPiece>(ids.Length);
        int runStart = 0;
        for (int i = 0; i <= ids.Length; i++)
        {
            bool endsRun = i == ids.Length || ids[i] == UnkId || _addedIds.Contains(ids[i]);
            if (!endsRun) continue;
            AddRunPieces(ids.AsSpan(runStart, i - runStart), pieces);
            if (i < ids.Length)
                pieces.Add(ids[i] == UnkId
                    ? new TokenPiece(PieceKind.Unknown, "")
                    : new TokenPiece(PieceKind.Text, _json.TokensById[ids[i]]));
            runStart = i + 1;
        }
        return pieces;
    }

    /// <summary>
    /// A token's text is the part of the decoded run that it adds. The boundaries are measured against the whole
    /// run's decoding, so a prefix that ends inside a multi-byte character (decoded as U+FFFD) adds nothing yet and is
    /// marked incomplete; the token that completes the character adds all of it.
    /// </summary>
    private void AddRunPieces(ReadOnlySpan<long> run, List<TokenPiece> pieces)
    {
        if (run.IsEmpty) return;
        uint[] ids = run.ToArray().Select(ToUInt).ToArray();
        string whole = _plain.Decode(ids);
        int boundary = 0;
        for (int k = 1; k <= ids.Length; k++)
        {
            string prefix = k == ids.Length ? whole : _plain.Decode(ids[..k]);
            int next = Math.Max(boundary, CommonPrefixLength(prefix, whole));
            pieces.Add(next < prefix.Length && next == boundary
                ? new TokenPiece(PieceKind.Incomplete, "")
                : new TokenPiece(PieceKind.Text, whole[boundary..next]));
            boundary = next;
        }
    }

    private long? IdOf(string? token) => token is null ? null : TokenToId(token);

    private static int CommonPrefixLength(string a, string b) => a.AsSpan().CommonPrefixLength(b);

    private static Tokenizer LoadPlainVariant(TokenizerJson json)
    {
        // The library reads the file once, while constructing, so the variant only lives for that long.
        string path = Path.Combine(Path.GetTempPath(), $"glimpse-tokenizer-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, json.PlainVariantJson());
            return LoadLibraryTokenizer(path, json.Path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static Tokenizer LoadLibraryTokenizer(string path, string nameInErrors)
    {
        try
        {
            return new Tokenizer(path);
        }
        catch (TokenizerException e)
        {
            throw new InvalidDataException($"The tokenizers library cannot load '{nameInErrors}': {e.Message}", e);
        }
    }

    /// <summary>
    /// The library ignores an added token's declared id where it leaves a gap after the vocabulary and numbers the
    /// token itself. The id tables here come from the file, so a disagreement would mislabel tokens silently.
    /// </summary>
    private static void CheckAddedTokenIds(Tokenizer plain, TokenizerJson json)
    {
        // Normalized added tokens are matched after normalization, so their raw content need not encode to them.
        foreach (var token in json.AddedTokens.Where(t => !t.Normalized))
        {
            uint[] encoded = plain.Encode(token.Content);
            if (encoded.Length != 1 || encoded[0] != token.Id)
                throw new InvalidDataException(
                    $"In '{json.Path}' the added token \"{token.Content}\" declares id {token.Id}, but the tokenizers " +
                    $"library numbers it [{string.Join(", ", encoded)}] (ids of added tokens must follow the vocabulary without gaps).");
        }
    }

    private static long RequireToken(string token, TokenizerJson json) => json.IdsByToken.TryGetValue(token, out long id)
        ? id
        : throw new InvalidDataException(
            $"{TokenizerFiles.ConfigFileName} names the special token \"{token}\", which '{json.Path}' does not contain.");

    private static long[] ToLongs(uint[] ids) => Array.ConvertAll(ids, id => (long)id);

    private static uint ToUInt(long id) => id is >= 0 and <= uint.MaxValue
        ? (uint)id
        : throw new ArgumentOutOfRangeException(nameof(id), id, "Token ids are non-negative 32-bit values.");
}
