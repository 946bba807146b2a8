using Glimpse.Model.Families.Llava;
using Glimpse.Model.Families.Qwen2VL;
using Glimpse.Model.Text;

namespace Glimpse.Model.Tests.Text;

/// <summary>
/// P with a BPE tokenizer whose merges cross the question's edges, where tokenizing the question on its own gives
/// other tokens than the question has inside the prompt.
/// </summary>
public class BpeQuestionPositionTests
{
    // "\n" + "wh" joins the template's newline to the question's first letters; "ll" + " " joins the question's
    // last letters to the template's space.
    private static readonly string[] Merges = ["Ċ w", "Ċw h", "l l", "ll Ġ"];

    [Fact]
    public void TokensStraddlingTheQuestionEdgesAreQuestionTokens()
    {
        using var folder = BpeFixtures.ByteLevelWithoutSplitting(Merges);
        using var tok = TextTokenizer.FromFolder(folder.Path);
        PromptLayout layout = new LlavaChatTemplate().Build(tok, "what a ball", imageTokenCount: 3);

        string[] texts = layout.InputIds.Select(id => tok.TokenText(id)).ToArray();
        Assert.Equal(
            ["<s>", "U", "S", "E", "R", ":", " ", "<image>", "<image>", "<image>",
             "\nwh", "a", "t", " ", "a", " ", "b", "a", "ll ",
             "A", "S", "S", "I", "S", "T", "A", "N", "T", ":"],
            texts);
        Assert.Equal(Enumerable.Range(7, 3), layout.ImagePositions);
        Assert.Equal(Enumerable.Range(10, 9), layout.QuestionPositions);
        Assert.Equal([.. Enumerable.Range(0, 7), .. Enumerable.Range(19, 10)], layout.TemplatePositions);

        // Tokenized alone, the question starts and ends with other tokens: pieces cannot find P.
        long[] alone = tok.Encode("what a ball", addSpecialTokens: false);
        Assert.NotEqual(alone, layout.QuestionPositions.Select(p => layout.InputIds[p]));
    }

    [Fact]
    public void BytesOfOneCharacterShareItsSpan()
    {
        using var folder = BpeFixtures.ByteLevelWithoutSplitting(Merges);
        using var tok = TextTokenizer.FromFolder(folder.Path);
        const string text = "\n日é";
        TextEncoding encoding = tok.EncodeWithOffsets(text, addSpecialTokens: false);

        // "\n", then 日 as three bytes and é as two, none of them merged.
        Assert.Equal(6, encoding.Ids.Length);
        Assert.Equal(
            [new CharSpan(0, 1), new CharSpan(1, 2), new CharSpan(1, 2), new CharSpan(1, 2), new CharSpan(2, 3), new CharSpan(2, 3)],
            encoding.Offsets.Select(s => s!.Value));

        PromptLayout layout = new LlavaChatTemplate().Build(tok, "日é", imageTokenCount: 1);
        Assert.Equal(5, layout.QuestionPositions.Length);
        Assert.Equal("日é", tok.Decode(layout.QuestionPositions.Select(p => layout.InputIds[p]).ToArray()));
    }

    [Fact]
    public void DecodeGivesTheTextBackWithOrWithoutSpecialTokens()
    {
        using var folder = BpeFixtures.ByteLevelWithoutSplitting(Merges);
        using var tok = TextTokenizer.FromFolder(folder.Path);
        const string text = "USER: <image>\nwhat a ball ASSISTANT:";
        long[] ids = tok.Encode(text);
        Assert.Equal(tok.BosId, ids[0]);
        Assert.Equal("<s>" + text, tok.Decode(ids, skipSpecialTokens: false));
        Assert.Equal("USER: \nwhat a ball ASSISTANT:", tok.Decode(ids));
        Assert.Null(tok.ModelMaxLength); // int(1e30) means no limit
    }

    [Fact]
    public void AnAddedTokenIdTheLibraryWouldRenumberIsRejected()
    {
        using var folder = BpeFixtures.ByteLevelWithoutSplitting(Merges, imageTokenIdOverride: 1000);
        var e = Assert.Throws<InvalidDataException>(() => TextTokenizer.FromFolder(folder.Path));
        Assert.Contains("1000", e.Message);
        Assert.Contains(Path.Combine(folder.Path, "tokenizer.json"), e.Message);
    }

    [Fact]
    public void LlamaStyleSentencePieceWithTheLlavaTemplate()
    {
        using var folder = BpeFixtures.LlamaStyle(["▁ a", "▁ b", "▁b a", "l l", "▁ba ll"]);
        using var tok = TextTokenizer.FromFolder(folder.Path);
        PromptLayout layout = new LlavaChatTemplate().Build(tok, "what a ball", imageTokenCount: 2);

        // The normalizer puts "▁" before each segment, so the segment after <image> starts with "▁" + "\n" (byte
        // fallback) and "what" has no "▁" of its own: neither extra token is part of the question.
        string[] vocabularyStrings = ["<s>", "▁", "U", "S", "E", "R", ":", "▁", "<image>", "<image>",
            "▁", "<0x0A>", "w", "h", "a", "t", "▁a", "▁ball", "▁", "A", "S", "S", "I", "S", "T", "A", "N", "T", ":"];
        Assert.Equal(vocabularyStrings.Select(t => tok.TokenToId(t)!.Value), layout.InputIds);
        Assert.Equal([8, 9], layout.ImagePositions);
        Assert.Equal(Enumerable.Range(12, 6), layout.QuestionPositions);
        Assert.Equal("what a ball", tok.Decode(layout.QuestionPositions.Select(p => layout.InputIds[p]).ToArray()));
        Assert.Equal(1, tok.BosId);
        Assert.Equal(0, tok.UnkId);
    }

    [Fact]
    public void Qwen2StyleByteLevelWithTheQwen2VLTemplate()
    {
        using var folder = BpeFixtures.Qwen2Style(["Ġ c", "o l", "Ġc ol", "o u", "ou r"]);
        using var tok = TextTokenizer.FromFolder(folder.Path);
        Assert.Null(tok.BosId);
        Assert.Equal(32768, tok.ModelMaxLength);

        foreach (string question in new[] { "what colour?", "  what  colour? ", "日本 colour\n" })
        {
            PromptLayout layout = new Qwen2VLChatTemplate().Build(tok, question, imageTokenCount: 4);
            long visionEnd = tok.TokenToId("<|vision_end|>")!.Value;
            long imEnd = tok.TokenToId("<|im_end|>")!.Value;
            int first = Array.IndexOf(layout.InputIds, visionEnd) + 1;
            int last = Array.IndexOf(layout.InputIds, imEnd, first) - 1;
            // Special tokens on both sides keep the question's tokens apart from the template's.
            Assert.Equal(Enumerable.Range(first, last - first + 1), layout.QuestionPositions);
            Assert.Equal(tok.Encode(question, addSpecialTokens: false), layout.QuestionPositions.Select(p => layout.InputIds[p]));
            Assert.Equal(question, tok.Decode(layout.QuestionPositions.Select(p => layout.InputIds[p]).ToArray()));
        }
    }

    [Fact]
    public void TextTheNormalizerRewritesFailsLoudlyInsteadOfGuessing()
    {
        using var folder = BpeFixtures.Qwen2Style([]);
        using var tok = TextTokenizer.FromFolder(folder.Path);
        // NFC composes "e" + U+0301 into "é", so the tokens no longer spell the input. (string.Normalize cannot
        // help: the build runs with invariant globalization, where it leaves non-ASCII text unchanged.)
        var e = Assert.Throws<InvalidOperationException>(() => new Qwen2VLChatTemplate().Build(tok, "cafe\u0301", 4));
        Assert.Contains("offsets are unavailable", e.Message);
    }
}
