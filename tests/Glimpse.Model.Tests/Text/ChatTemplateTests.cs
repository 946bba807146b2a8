using Glimpse.Model.Families.Qwen2VL;
using Glimpse.Model.Families.Llava;
using Glimpse.Model.Text;

namespace Glimpse.Model.Tests.Text;

/// <summary>The README's worked example ("Tokenizer"), and how the templates refuse what they cannot build.</summary>
public class ChatTemplateTests
{
    private const string Question = "what color is the big ball";

    [Fact]
    public void LlavaWorkedExample()
    {
        using var tok = TextTokenizer.FromFolder(TokenizerFolders.Llava);
        PromptLayout layout = ChatTemplates.For("llava", imageTokenId: 299).Build(tok, Question, imageTokenCount: 16);

        Assert.Equal("USER: <image>\nwhat color is the big ball ASSISTANT:", layout.Text);
        Assert.Equal([1, 3, 5, 299, 104, 292, 111, 113, 44, 162, 4, 5], tok.Encode(layout.Text));
        long[] expected = [1, 3, 5, .. Enumerable.Repeat(299L, 16), 104, 292, 111, 113, 44, 162, 4, 5];
        Assert.Equal(expected, layout.InputIds);
        Assert.Equal(Enumerable.Range(3, 16), layout.ImagePositions);
        Assert.Equal(Enumerable.Range(19, 6), layout.QuestionPositions);
        Assert.Equal([104, 292, 111, 113, 44, 162], layout.QuestionPositions.Select(p => layout.InputIds[p]));
        Assert.Equal([0, 1, 2, 25, 26], layout.TemplatePositions);
    }

    [Fact]
    public void Qwen2VLWorkedExample()
    {
        using var tok = TextTokenizer.FromFolder(TokenizerFolders.Qwen2VL);
        PromptLayout layout = ChatTemplates.For("qwen2_vl", imageTokenId: 293).Build(tok, Question, imageTokenCount: 6);

        Assert.Equal(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n" +
            "<|vision_start|><|image_pad|><|vision_end|>what color is the big ball<|im_end|>\n<|im_start|>assistant\n",
            layout.Text);
        Assert.Equal(
            [3, 7, 8, 9, 10, 11, 12, 13, 2, 3, 14, 290, 293, 291, 105, 298, 112, 114, 45, 163, 2, 3, 12],
            tok.Encode(layout.Text));
        long[] expected =
            [3, 7, 8, 9, 10, 11, 12, 13, 2, 3, 14, 290, .. Enumerable.Repeat(293L, 6), 291, 105, 298, 112, 114, 45, 163, 2, 3, 12];
        Assert.Equal(expected, layout.InputIds);
        Assert.Equal(Enumerable.Range(12, 6), layout.ImagePositions);
        Assert.Equal(Enumerable.Range(19, 6), layout.QuestionPositions);
        Assert.Equal([105, 298, 112, 114, 45, 163], layout.QuestionPositions.Select(p => layout.InputIds[p]));
        Assert.Equal([.. Enumerable.Range(0, 12), 18, 25, 26, 27], layout.TemplatePositions);
    }

    [Fact]
    public void EveryPositionIsInExactlyOneSet()
    {
        using var tok = TextTokenizer.FromFolder(TokenizerFolders.Qwen2VL);
        PromptLayout layout = new Qwen2VLChatTemplate().Build(tok, "is the xyzzy red?", imageTokenCount: 4);
        int[] all = [.. layout.ImagePositions, .. layout.QuestionPositions, .. layout.TemplatePositions];
        Assert.Equal(Enumerable.Range(0, layout.InputIds.Length), all.Order());
        // "xyzzy" is unknown (id 0) and "?" is punctuation: both are still question tokens.
        Assert.Equal(["is", "the", "[UNK]", "red", "?"], layout.QuestionPositions.Select(p => tok.TokenText(layout.InputIds[p])));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\n\t")]
    public void EmptyOrWhitespaceQuestionsAreRejected(string question)
    {
        using var tok = TextTokenizer.FromFolder(TokenizerFolders.Llava);
        var e = Assert.Throws<ArgumentException>(() => new LlavaChatTemplate().Build(tok, question, 16));
        Assert.Equal("question", e.ParamName);
        Assert.Contains("empty or whitespace", e.Message);
    }

    [Fact]
    public void QuestionsHoldingSpecialTokensAreRejected()
    {
        using var tok = TextTokenizer.FromFolder(TokenizerFolders.Llava);
        var e = Assert.Throws<ArgumentException>(() => new LlavaChatTemplate().Build(tok, "what is <image> here", 16));
        Assert.Contains("<image>", e.Message);
    }

    [Fact]
    public void ImageTokenCountMustBePositive()
    {
        using var tok = TextTokenizer.FromFolder(TokenizerFolders.Llava);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LlavaChatTemplate().Build(tok, Question, 0));
    }

    [Fact]
    public void ConfigImageTokenIdMustMatchTheTokenizer()
    {
        using var tok = TextTokenizer.FromFolder(TokenizerFolders.Llava);
        var e = Assert.Throws<InvalidOperationException>(() => new LlavaChatTemplate(imageTokenId: 32000).Build(tok, Question, 16));
        Assert.Contains("32000", e.Message);
    }

    [Fact]
    public void TemplateTokensMissingFromTheTokenizerAreNamed()
    {
        using var tok = TextTokenizer.FromFolder(TokenizerFolders.Llava);
        var e = Assert.Throws<InvalidOperationException>(() => new Qwen2VLChatTemplate().Build(tok, Question, 6));
        Assert.Contains("<|im_start|>", e.Message);
    }

    [Fact]
    public void TemplatesArePickedByModelType()
    {
        Assert.IsType<LlavaChatTemplate>(ChatTemplates.For("llava"));
        Assert.IsType<Qwen2VLChatTemplate>(ChatTemplates.For("qwen2_vl"));
        Assert.IsType<Qwen2VLChatTemplate>(ChatTemplates.For("qwen2_5_vl"));   // Qwen2.5-VL ships Qwen2-VL's template
        Assert.IsType<Glimpse.Model.Families.Qwen3VL.Qwen3VLChatTemplate>(ChatTemplates.For("qwen3_vl"));
        Assert.IsType<Glimpse.Model.Families.Idefics3.Idefics3ChatTemplate>(ChatTemplates.For("idefics3"));
        var e = Assert.Throws<NotSupportedException>(() => ChatTemplates.For("idefics2"));
        Assert.Contains("idefics2", e.Message);
    }
}
