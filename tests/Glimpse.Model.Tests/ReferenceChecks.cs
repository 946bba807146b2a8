using Glimpse.Model.Architectures;
using Glimpse.Model.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model.Tests;

/// <summary>Checks that read the same way for every architecture.</summary>
internal static class ReferenceChecks
{
    private const double Tol = 1e-4;

    /// <summary>∂z_t/∂A (raw logit) and ∂log p_t/∂A against attn_grads_logit / attn_grads, lower triangle only.</summary>
    public static void AttentionGradients(VisionLanguageModel model, ReferenceSet reference, ImageInput image)
    {
        using var scope = NewDisposeScope();
        long[] ids = reference.Ids("generated_ids");
        int promptLength = reference.Json["prompt_len"]!.GetValue<int>();
        int steps = ids.Length - promptLength;
        using var pass = TeacherForcedPass.Run(model, ids, image, new() { TrackGradients = true });
        long n = ids.Length;
        var lower = torch.ones(n, n, dtype: ScalarType.Bool).tril();
        for (int t = 0; t < steps; t++)
        {
            long q = promptLength - 1 + t, y = ids[q + 1];
            var logit = pass.Logits[0, q, y];
            var logProb = pass.Logits[0, q].log_softmax(-1)[y];
            var gradsLogit = pass.AttentionGradients([logit]);
            var gradsLogProb = pass.AttentionGradients([logProb]);
            for (int l = 0; l < gradsLogit.Count; l++)
            {
                TensorAssert.RelativeClose(reference["attn_grads_logit"][t, l].masked_fill(~lower, 0),
                    gradsLogit[l][0].masked_fill(~lower, 0), Tol, $"attn_grads_logit[{t}, {l}]");
                TensorAssert.RelativeClose(reference["attn_grads"][t, l].masked_fill(~lower, 0),
                    gradsLogProb[l][0].masked_fill(~lower, 0), Tol, $"attn_grads[{t}, {l}]");
            }
        }
    }

    public static void GreedyGeneration(VisionLanguageModel model, ReferenceSet reference, ImageInput image)
    {
        using var scope = NewDisposeScope();
        long[] prompt = reference.Ids("input_ids");
        long[] expected = reference.Ids("new_tokens");
        using var result = AnswerGenerator.Generate(model, prompt, image, new GenerationOptions
        {
            MaxNewTokens = expected.Length,
            StopAtEos = false,
            KeepStepLogits = true,
        });
        Assert.Equal(expected, result.NewTokens);
        TensorAssert.RelativeClose(reference["generate_step_logits"], result.StepLogits!, Tol, "generate_step_logits");
    }
}
