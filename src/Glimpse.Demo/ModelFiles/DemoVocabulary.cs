using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Glimpse.Demo.Questions;

namespace Glimpse.Demo.ModelFiles;

/// <summary>
/// The demo model's word-level vocabulary and its Hugging Face tokenizer files, written by code. The vocabulary is the
/// special tokens, then the chat template's words, then every word and punctuation mark the question and answer
/// templates can produce, as written (capitalised sentence starts are their own words; there is no normalizer).
/// The tokenizer splits with the Whitespace pre-tokenizer (runs of word characters, runs of punctuation), adds
/// &lt;s&gt; in front with a TemplateProcessing post-processor, and decodes with the WordPiece decoder's clean-up, which
/// joins words with spaces but puts "." "," "?" straight after the word, so answers read as sentences.
/// </summary>
public static class DemoVocabulary
{
    public const string Unknown = "<unk>", Bos = "<s>", Eos = "</s>", Image = "<image>", Pad = "<pad>";
    public const long UnknownId = 0, BosId = 1, EosId = 2, ImageId = 3, PadId = 4;
    public const int ModelMaxLength = 256;

    private static readonly string[] Specials = [Unknown, Bos, Eos, Image, Pad];
    private static readonly string[] TemplateWords = ["USER", ":", "ASSISTANT"];

    /// <summary>The Whitespace pre-tokenizer's pattern.</summary>
    private static readonly Regex Words = new(@"\w+|[^\w\s]+", RegexOptions.CultureInvariant);

    /// <summary>Every token, in id order.</summary>
    public static IReadOnlyList<string> Tokens { get; } = BuildTokens();

    public static IEnumerable<string> Split(string text) => Words.Matches(text).Select(m => m.Value);

    private static string[] BuildTokens()
    {
        var templateWords = Phrasing.AllSentences().SelectMany(Split).Distinct().Order(StringComparer.Ordinal);
        return Specials.Concat(TemplateWords).Concat(templateWords.Except(TemplateWords)).ToArray();
    }

    /// <summary>Writes tokenizer.json and tokenizer_config.json into <paramref name="folder"/>.</summary>
    public static void WriteTokenizerFiles(string folder)
    {
        Directory.CreateDirectory(folder);
        var options = new JsonSerializerOptions { WriteIndented = true };
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), TokenizerJson().ToJsonString(options) + "\n");
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), TokenizerConfigJson().ToJsonString(options) + "\n");
    }

    private static JsonObject AddedToken(string content) => new()
    {
        ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
    };

    private static JsonObject TokenizerJson()
    {
        var added = new JsonArray();
        foreach (string special in Specials)
        {
            var token = AddedToken(special);
            var withId = new JsonObject { ["id"] = IdOf(special) };
            foreach (var (key, value) in token) withId[key] = value?.DeepClone();
            added.Add(withId);
        }
        var vocab = new JsonObject();
        for (int id = 0; id < Tokens.Count; id++) vocab[Tokens[id]] = id;
        JsonObject Special(string id, int type) => new() { ["SpecialToken"] = new JsonObject { ["id"] = id, ["type_id"] = type } };
        JsonObject Sequence(string id, int type) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = type } };
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "Whitespace" },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(Special(Bos, 0), Sequence("A", 0)),
                ["pair"] = new JsonArray(Special(Bos, 0), Sequence("A", 0), Special(Bos, 1), Sequence("B", 1)),
                ["special_tokens"] = new JsonObject
                {
                    [Bos] = new JsonObject { ["id"] = Bos, ["ids"] = new JsonArray(BosId), ["tokens"] = new JsonArray(Bos) },
                },
            },
            ["decoder"] = new JsonObject { ["type"] = "WordPiece", ["prefix"] = "##", ["cleanup"] = true },
            ["model"] = new JsonObject { ["type"] = "WordLevel", ["vocab"] = vocab, ["unk_token"] = Unknown },
        };
    }

    private static JsonObject TokenizerConfigJson()
    {
        var decoder = new JsonObject();
        foreach (string special in Specials) decoder[IdOf(special).ToString(System.Globalization.CultureInfo.InvariantCulture)] = AddedToken(special);
        return new JsonObject
        {
            ["add_bos_token"] = true,
            ["add_eos_token"] = false,
            ["added_tokens_decoder"] = decoder,
            ["additional_special_tokens"] = new JsonArray(Image),
            ["bos_token"] = Bos,
            ["clean_up_tokenization_spaces"] = false,
            ["eos_token"] = Eos,
            ["model_max_length"] = ModelMaxLength,
            ["pad_token"] = Pad,
            ["tokenizer_class"] = "PreTrainedTokenizerFast",
            ["unk_token"] = Unknown,
        };
    }

    public static int IdOf(string token)
    {
        for (int i = 0; i < Tokens.Count; i++)
            if (Tokens[i] == token) return i;
        throw new ArgumentException($"'{token}' is not in the demo vocabulary", nameof(token));
    }
}
