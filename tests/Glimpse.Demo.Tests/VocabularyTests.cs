using Glimpse.Model.Families.Llava;
using Glimpse.Demo.ModelFiles;
using Glimpse.Demo.Questions;
using Glimpse.Model.Text;

namespace Glimpse.Demo.Tests;

/// <summary>The generated tokenizer files load with the runtime's tokenizer and cover every template sentence.</summary>
public class VocabularyTests
{
    [Fact]
    public void EveryTemplateSentenceEncodesWithoutUnknownTokensAndDecodesBack()
    {
        using var folder = new TempFolder();
        DemoVocabulary.WriteTokenizerFiles(folder.Path);
        using var tokenizer = TextTokenizer.FromFolder(folder.Path);

        Assert.Equal(DemoVocabulary.Tokens.Count, tokenizer.VocabSize);
        Assert.Equal((DemoVocabulary.BosId, DemoVocabulary.EosId, DemoVocabulary.PadId, DemoVocabulary.UnknownId),
            (tokenizer.BosId!.Value, tokenizer.EosId!.Value, tokenizer.PadId!.Value, tokenizer.UnkId!.Value));
        Assert.Equal(DemoVocabulary.ImageId, tokenizer.TokenToId(DemoVocabulary.Image));
        var sentences = Phrasing.AllSentences().Distinct().ToList();
        Assert.True(sentences.Count > 1000);
        foreach (string sentence in sentences)
        {
            long[] ids = tokenizer.Encode(sentence, addSpecialTokens: false);
            Assert.DoesNotContain(DemoVocabulary.UnknownId, ids);
            Assert.Equal(sentence, tokenizer.Decode(ids));
        }
        // The list answers cover every word they can produce: every generated question and answer encodes whole.
        var generator = new SceneGenerator();
        foreach (var kind in QuestionKinds.All)
        for (int i = 0; i < 100; i++)
        {
            var item = generator.Generate(DatasetSplits.Seed(DatasetSplit.Test, i), kind);
            foreach (string text in new[] { item.Question, item.Answer })
            {
                long[] ids = tokenizer.Encode(text, addSpecialTokens: false);
                Assert.DoesNotContain(DemoVocabulary.UnknownId, ids);
                Assert.Equal(text, tokenizer.Decode(ids));
            }
        }
        Assert.Contains("Describe the scene.", sentences);
        Assert.Contains("There is a red circle, a blue square, a purple triangle and a green cross.", sentences);
        Assert.Contains("The circle, the square and the triangle are red.", sentences);
        Assert.Equal([DemoVocabulary.BosId, .. tokenizer.Encode("Is there a red star?", addSpecialTokens: false)],
            tokenizer.Encode("Is there a red star?"));
        Assert.Contains(DemoVocabulary.UnknownId, tokenizer.Encode("What colour is the banana?", addSpecialTokens: false));
    }

    [Fact]
    public void TheLlavaPromptSortsImageQuestionAndTemplateTokens()
    {
        using var folder = new TempFolder();
        DemoVocabulary.WriteTokenizerFiles(folder.Path);
        using var tokenizer = TextTokenizer.FromFolder(folder.Path);
        var layout = new LlavaChatTemplate(DemoVocabulary.ImageId).Build(tokenizer, "Which object is left of the red circle?", 64);

        Assert.Equal(Enumerable.Range(3, 64), layout.ImagePositions);
        Assert.Equal(["Which", "object", "is", "left", "of", "the", "red", "circle", "?"],
            layout.QuestionPositions.Select(p => tokenizer.TokenText(layout.InputIds[p])));
        Assert.Equal(["<s>", "USER", ":", "ASSISTANT", ":"], layout.TemplatePositions.Select(p => tokenizer.TokenText(layout.InputIds[p])));
    }
}
