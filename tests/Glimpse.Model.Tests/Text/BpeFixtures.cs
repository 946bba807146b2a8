using System.Text.Json.Nodes;

namespace Glimpse.Model.Tests.Text;

/// <summary>
/// Small BPE tokenizer folders written by the tests, built like the real checkpoints' files (lvlm-architectures.md
/// §7) but with a handful of merges, so that the expected tokens can be worked out by hand.
/// </summary>
internal static class BpeFixtures
{
    /// <summary>
    /// GPT-2-style byte-level BPE with "&lt;s&gt;" prepended by a TemplateProcessing post-processor and
    /// "&lt;image&gt;" as an added special token. The pre-tokenizer runs without its splitting regex, so merges can
    /// join characters across the boundary between template text and question.
    /// </summary>
    public static TempFolder ByteLevelWithoutSplitting(IReadOnlyList<string> merges, long? imageTokenIdOverride = null)
    {
        var (vocab, next) = ByteVocabulary(merges);
        long bos = next++;
        long image = imageTokenIdOverride ?? next;
        var byteLevel = ByteLevel();
        return Write(
            Tokenizer(
                addedTokens: [AddedToken(bos, "<s>"), AddedToken(image, "<image>")],
                normalizer: null,
                preTokenizer: byteLevel.DeepClone(),
                postProcessor: PrependBos("<s>", bos),
                decoder: byteLevel.DeepClone(),
                Bpe(vocab, merges, unknown: null, byteFallback: false)),
            new JsonObject { ["bos_token"] = "<s>", ["eos_token"] = null, ["model_max_length"] = 1e30 });
    }

    /// <summary>
    /// Qwen2's layout: NFC normalizer, Qwen2's splitting regex then byte-level mapping, no BOS, the chat and vision
    /// markers as added special tokens.
    /// </summary>
    public static TempFolder Qwen2Style(IReadOnlyList<string> merges)
    {
        const string Qwen2Split =
            @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
        var (vocab, next) = ByteVocabulary(merges);
        string[] specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>"];
        JsonNode[] added = specials.Select((s, i) => (JsonNode)AddedToken(next + i, s)).ToArray();
        var byteLevel = ByteLevel();
        return Write(
            Tokenizer(
                addedTokens: added,
                normalizer: new JsonObject { ["type"] = "NFC" },
                preTokenizer: new JsonObject
                {
                    ["type"] = "Sequence",
                    ["pretokenizers"] = new JsonArray(
                        new JsonObject
                        {
                            ["type"] = "Split",
                            ["pattern"] = new JsonObject { ["Regex"] = Qwen2Split },
                            ["behavior"] = "Isolated",
                            ["invert"] = false,
                        },
                        byteLevel.DeepClone()),
                },
                postProcessor: byteLevel.DeepClone(),
                decoder: byteLevel.DeepClone(),
                Bpe(vocab, merges, unknown: null, byteFallback: false)),
            new JsonObject { ["bos_token"] = null, ["eos_token"] = "<|im_end|>", ["pad_token"] = "<|endoftext|>", ["model_max_length"] = 32768 });
    }

    /// <summary>
    /// Llama's SentencePiece BPE in its "legacy" tokenizer.json form: "▁" prepended and spaces replaced by "▁", no
    /// pre-tokenizer, byte fallback for characters outside the vocabulary (here "\n"), and the decoder chain that
    /// undoes it. "&lt;s&gt;" is prepended by the post-processor.
    /// </summary>
    public static TempFolder LlamaStyle(IReadOnlyList<string> merges)
    {
        var vocab = new JsonObject { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2 };
        for (int b = 0; b < 256; b++) vocab[$"<0x{b:X2}>"] = 3 + b;
        long next = 259;
        foreach (char c in "▁:" + "abcdefghijklmnopqrstuvwxyz" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ") vocab[c.ToString()] = next++;
        foreach (string merge in merges) vocab[merge.Replace(" ", "")] = next++;
        return Write(
            Tokenizer(
                addedTokens: [AddedToken(0, "<unk>"), AddedToken(1, "<s>"), AddedToken(2, "</s>"), AddedToken(next, "<image>")],
                normalizer: new JsonObject
                {
                    ["type"] = "Sequence",
                    ["normalizers"] = new JsonArray(
                        new JsonObject { ["type"] = "Prepend", ["prepend"] = "▁" },
                        new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = " " }, ["content"] = "▁" }),
                },
                preTokenizer: null,
                postProcessor: PrependBos("<s>", 1),
                decoder: new JsonObject
                {
                    ["type"] = "Sequence",
                    ["decoders"] = new JsonArray(
                        new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = "▁" }, ["content"] = " " },
                        new JsonObject { ["type"] = "ByteFallback" },
                        new JsonObject { ["type"] = "Fuse" },
                        new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 1, ["stop"] = 0 }),
                },
                Bpe(vocab, merges, unknown: "<unk>", byteFallback: true)),
            new JsonObject { ["bos_token"] = "<s>", ["eos_token"] = "</s>", ["unk_token"] = "<unk>", ["pad_token"] = null, ["model_max_length"] = 4096 });
    }

    /// <summary>GPT-2's bytes_to_unicode: printable bytes stand for themselves, the others for 256, 257, … in byte order.</summary>
    private static string ByteSymbol(int b)
    {
        static bool Printable(int x) => x is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
        if (Printable(b)) return ((char)b).ToString();
        int shifted = Enumerable.Range(0, b).Count(x => !Printable(x));
        return ((char)(256 + shifted)).ToString();
    }

    private static (JsonObject Vocab, long Next) ByteVocabulary(IReadOnlyList<string> merges)
    {
        var vocab = new JsonObject();
        for (int b = 0; b < 256; b++) vocab[ByteSymbol(b)] = b;
        long next = 256;
        foreach (string merge in merges) vocab[merge.Replace(" ", "")] = next++;
        return (vocab, next);
    }

    private static JsonObject ByteLevel() =>
        new() { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false };

    private static JsonObject PrependBos(string bos, long bosId) => new()
    {
        ["type"] = "TemplateProcessing",
        ["single"] = new JsonArray(Special(bos, 0), Sequence("A", 0)),
        ["pair"] = new JsonArray(Special(bos, 0), Sequence("A", 0), Special(bos, 1), Sequence("B", 1)),
        ["special_tokens"] = new JsonObject
        {
            [bos] = new JsonObject { ["id"] = bos, ["ids"] = new JsonArray(bosId), ["tokens"] = new JsonArray(bos) },
        },
    };

    private static JsonObject Special(string id, int typeId) =>
        new() { ["SpecialToken"] = new JsonObject { ["id"] = id, ["type_id"] = typeId } };

    private static JsonObject Sequence(string id, int typeId) =>
        new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = typeId } };

    private static JsonObject Bpe(JsonObject vocab, IReadOnlyList<string> merges, string? unknown, bool byteFallback) => new()
    {
        ["type"] = "BPE",
        ["dropout"] = null,
        ["unk_token"] = unknown,
        ["continuing_subword_prefix"] = null,
        ["end_of_word_suffix"] = null,
        ["fuse_unk"] = byteFallback,
        ["byte_fallback"] = byteFallback,
        ["vocab"] = vocab,
        ["merges"] = new JsonArray(merges.Select(m => (JsonNode)JsonValue.Create(m)).ToArray()),
    };

    private static JsonObject Tokenizer(
        JsonNode[] addedTokens, JsonNode? normalizer, JsonNode? preTokenizer, JsonNode? postProcessor, JsonNode? decoder, JsonObject model) => new()
    {
        ["version"] = "1.0",
        ["truncation"] = null,
        ["padding"] = null,
        ["added_tokens"] = new JsonArray(addedTokens),
        ["normalizer"] = normalizer,
        ["pre_tokenizer"] = preTokenizer,
        ["post_processor"] = postProcessor,
        ["decoder"] = decoder,
        ["model"] = model,
    };

    private static JsonObject AddedToken(long id, string content) => new()
    {
        ["id"] = id,
        ["content"] = content,
        ["single_word"] = false,
        ["lstrip"] = false,
        ["rstrip"] = false,
        ["normalized"] = false,
        ["special"] = true,
    };

    private static TempFolder Write(JsonObject tokenizer, JsonObject config)
    {
        var folder = new TempFolder();
        folder.Write("tokenizer.json", tokenizer.ToJsonString());
        folder.Write("tokenizer_config.json", config.ToJsonString());
        return folder;
    }
}
