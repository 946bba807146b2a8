using Glimpse.Core.Methods;
using Glimpse.Explain.Baselines;
using Glimpse.Model.Generation;
using Glimpse.Model.Tests;

namespace Glimpse.Explain.Tests.Method;

/// <summary>
/// Option answer_tokens on the tiny LLaVA's eight-token answer: a selection explains exactly the chosen tokens (its maps
/// are GLIMPSE's on that sub-answer), gives the others weight 0 and names them; and the baselines' layer option.
/// </summary>
public class AnswerTokenSelectionTests(LlavaFixture fx) : IClassFixture<LlavaFixture>
{
    /// <summary>Texts for the reference answer's eight tokens: three function words, four content words, end-of-sequence.</summary>
    private static readonly (string, bool)[] Texts = [("The", false), ("▁ball", false), ("▁is", false), ("▁red", false), (",", false), ("▁big", false), ("▁the", false), ("</s>", true)];

    private ExplanationSubject Subject(IReadOnlyList<(string, bool)>? texts = null)
    {
        var s = SubjectFactory.Llava(fx);
        return new ExplanationSubject
        {
            Model = s.Model, SequenceIds = s.SequenceIds, Image = s.Image, VisualPositions = s.VisualPositions, PromptPositions = s.PromptPositions,
            QueryPositions = s.QueryPositions, AnswerIds = s.AnswerIds, ImageTokens = s.ImageTokens, AnswerTokens = texts ?? Texts,
        };
    }

    [Theory]
    [InlineData("The", false, false)]
    [InlineData("▁the", false, false)]
    [InlineData("Ġis", false, false)]
    [InlineData(".", false, false)]
    [InlineData("</s>", true, false)]
    [InlineData("▁ball", false, true)]
    [InlineData("No", false, true)]
    [InlineData("4", false, true)]
    public void Content_tokens_leave_out_function_words_punctuation_and_special_tokens(string text, bool special, bool content) =>
        Assert.Equal(content, AnswerTokenSelector.IsContent(text, special));

    [Fact]
    public void Content_selection_is_glimpse_on_the_content_tokens_with_the_rest_at_weight_zero()
    {
        var subject = Subject();
        var full = new GlimpseExplainer(new GlimpseOptions()).Explain(subject);
        var selected = new GlimpseExplainer(new GlimpseOptions { AnswerTokens = AnswerTokenSelection.Content }).Explain(subject);
        int[] content = [1, 3, 5];   // ball, red, big
        var alone = new GlimpseExplainer(new GlimpseOptions()).Explain(subject.Select(content));

        Assert.Equal(alone.ImageMap, selected.ImageMap);
        Assert.Equal(alone.PromptMap, selected.PromptMap);
        for (int t = 0; t < subject.AnswerLength; t++)
        {
            int i = Array.IndexOf(content, t);
            Assert.Equal(i >= 0 ? alone.VisualWeights[i] : 0, selected.VisualWeights[t]);
            Assert.Equal(i >= 0 ? alone.TokenImageMaps[i] : new double[alone.ImageMap.Length], selected.TokenImageMaps[t]);
        }
        Assert.Equal(1.0, selected.VisualWeights.Sum(), 12);
        Assert.NotEqual(full.ImageMap, selected.ImageMap);
        // Every token keeps its probability, explained or not (read from one forward, as the full run reads them).
        for (int t = 0; t < subject.AnswerLength; t++) Assert.Equal(full.Probabilities[t], selected.Probabilities[t], 6);
        Assert.Equal("3 of 8", selected.Options["explained_tokens"]);
        Assert.Equal("content", selected.Options["answer_tokens"]);
        var warning = Assert.Single(selected.Warnings, w => w.StartsWith("Explained 3 of 8", StringComparison.Ordinal));
        Assert.Contains("“</s>”", warning);
        Assert.Contains("“▁is”", warning);
    }

    [Fact]
    public void Top_k_explains_the_k_tokens_that_attend_most_to_the_image()
    {
        var subject = Subject();
        var selected = new GlimpseExplainer(new GlimpseOptions { AnswerTokens = AnswerTokenSelection.TopK, TopK = 2 }).Explain(subject);
        var chosen = Enumerable.Range(0, subject.AnswerLength).Where(t => selected.VisualWeights[t] > 0).ToArray();
        Assert.Equal(2, chosen.Length);

        // The score, computed here from the attention probabilities: mean over layers and heads of row q_t's mass on V.
        using var pass = TeacherForcedPass.Run(subject.Model, subject.SequenceIds, subject.Image, new TeacherForcedOptions());
        double Score(int t) => pass.Attentions.Average(a => a[0].index_select(1, TorchSharp.torch.tensor(new[] { subject.QueryPositions[t] }))
            .index_select(2, TorchSharp.torch.tensor(subject.VisualPositions)).sum().item<float>() / a.shape[1]);
        var expected = Enumerable.Range(0, subject.AnswerLength).OrderByDescending(Score).Take(2).Order().ToArray();
        Assert.Equal(expected, chosen);
        Assert.Equal(new GlimpseExplainer(new GlimpseOptions()).Explain(subject.Select(chosen)).ImageMap, selected.ImageMap);
    }

    [Fact]
    public void Top_k_at_least_the_answer_length_is_the_full_method()
    {
        var subject = Subject();
        var full = new GlimpseExplainer(new GlimpseOptions()).Explain(subject);
        var all = new GlimpseExplainer(new GlimpseOptions { AnswerTokens = AnswerTokenSelection.TopK, TopK = 50 }).Explain(subject);
        Assert.Equal(full.ImageMap, all.ImageMap);
        Assert.Equal("8 of 8", all.Options["explained_tokens"]);
        Assert.DoesNotContain(all.Warnings, w => w.StartsWith("Explained", StringComparison.Ordinal));
    }

    [Fact]
    public void An_answer_without_content_tokens_is_explained_whole_and_says_so()
    {
        var subject = Subject([.. Enumerable.Repeat(("the", false), 7), ("</s>", true)]);
        var result = new GlimpseExplainer(new GlimpseOptions { AnswerTokens = AnswerTokenSelection.Content }).Explain(subject);
        Assert.Equal(new GlimpseExplainer(new GlimpseOptions()).Explain(subject).ImageMap, result.ImageMap);
        Assert.Contains(result.Warnings, w => w.Contains("No answer token is a content token", StringComparison.Ordinal));
    }

    [Fact]
    public void Content_selection_needs_the_tokens_texts()
    {
        var s = SubjectFactory.Llava(fx);
        Assert.Throws<InvalidOperationException>(() => new GlimpseExplainer(new GlimpseOptions { AnswerTokens = AnswerTokenSelection.Content }).Explain(s));
    }

    [Fact]
    public void The_layer_option_picks_the_layer_raw_attention_and_gradcam_read()
    {
        var subject = Subject();
        int layers = subject.Model.Config.Text.NumLayers;
        double[] Raw(int layer) => Explainers.Create("raw-attention", ExplainSettings.Default with { Layer = layer }).Explain(subject).ImageMap;
        Assert.Equal(new RawAttentionExplainer(layer: 0).Explain(subject).ImageMap, Raw(0));
        Assert.Equal(new RawAttentionExplainer().Explain(subject).ImageMap, Raw(-1));
        Assert.Equal(Raw(0), Raw(-layers));
        Assert.NotEqual(Raw(0), Raw(-1));
        var gradcam = Explainers.Create("gradcam", ExplainSettings.Default with { Layer = 0 }).Explain(subject);
        Assert.Equal(new AttentionGradCamExplainer(layer: 0).Explain(subject).ImageMap, gradcam.ImageMap);
        Assert.Equal("0", gradcam.Options["layer"]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Raw(layers));
        Assert.Throws<ArgumentOutOfRangeException>(() => Raw(-layers - 1));
    }
}
