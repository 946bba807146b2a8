using Glimpse.Model.Architectures;
using Glimpse.Model.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model.Tests;

/// <summary>Checks that read the same way for every architecture.</summary>
internal static class ReferenceChecks
{
    private const double Tol = 1e-4;

    /// <summary>Prompt forward: logits, every decoder hidden state (L + 1) and every layer's attention.</summary>
    /// <param name="report">receives each tensor's measured relative error (tests print them)</param>
    /// <param name="alsoCheck">further checks of a family on the same pass</param>
    public static void PromptForward(VisionLanguageModel model, ReferenceSet reference, ImageInput image,
        Action<string, double>? report = null, Action<TeacherForcedPass>? alsoCheck = null)
    {
        using var pass = TeacherForcedPass.Run(model, reference.Ids("input_ids"), image, new() { KeepHiddenStates = true });
        int layers = model.Config.Text.NumLayers;
        Assert.Equal(layers + 1, pass.HiddenStates.Count);
        Assert.Equal(layers, pass.Attentions.Count);
        Close(reference["logits"], pass.Logits[0], "logits", report);
        for (int i = 0; i <= layers; i++)
            Close(reference[$"hidden_states.{i}"], pass.HiddenStates[i][0], $"hidden_states.{i}", report);
        for (int l = 0; l < layers; l++)
            Close(reference[$"attentions.{l}"], pass.Attentions[l][0], $"attentions.{l}", report);
        alsoCheck?.Invoke(pass);
    }

    /// <summary>
    /// Teacher-forced forward over prompt + answer: the logits and the attentions GLIMPSE reads, and each answer token's
    /// log-probability where the set stores it.
    /// </summary>
    public static void TeacherForcedForward(VisionLanguageModel model, ReferenceSet reference, ImageInput image, Action<string, double>? report = null)
    {
        using var scope = NewDisposeScope();
        long[] ids = reference.Ids("generated_ids");
        using var pass = TeacherForcedPass.Run(model, ids, image);
        Close(reference["full.logits"], pass.Logits[0], "full.logits", report);
        for (int l = 0; l < pass.Attentions.Count; l++)
            Close(reference[$"full.attentions.{l}"], pass.Attentions[l][0], $"full.attentions.{l}", report);
        if (!reference.Has("gen_token_logprobs")) return;
        int s = reference.Json["prompt_len"]!.GetValue<int>();
        var logProbs = pass.Logits[0].log_softmax(-1);
        var mine = torch.stack(Enumerable.Range(0, ids.Length - s).Select(t => logProbs[s - 1 + t, ids[s + t]]).ToArray());
        Close(reference["gen_token_logprobs"], mine, "gen_token_logprobs", report);
    }

    private static void Close(Tensor expected, Tensor actual, string what, Action<string, double>? report)
    {
        double error = TensorAssert.RelativeClose(expected, actual, Tol, what);
        report?.Invoke(what, error);
    }

    /// <summary>∂z_t/∂A (raw logit) and ∂log p_t/∂A against attn_grads_logit / attn_grads (where the set stores it;
    /// the Idefics3 set does not), lower triangle only.</summary>
    public static void AttentionGradients(VisionLanguageModel model, ReferenceSet reference, ImageInput image)
    {
        using var scope = NewDisposeScope();
        long[] ids = reference.Ids("generated_ids");
        int promptLength = reference.Json["prompt_len"]!.GetValue<int>();
        int steps = ids.Length - promptLength;
        using var pass = TeacherForcedPass.Run(model, ids, image, new() { TrackGradients = true });
        long n = ids.Length;
        var lower = torch.ones(n, n, dtype: ScalarType.Bool).tril();
        bool logProbStored = reference.Has("attn_grads");
        for (int t = 0; t < steps; t++)
        {
            long q = promptLength - 1 + t, y = ids[q + 1];
            var logit = pass.Logits[0, q, y];
            var logProb = pass.Logits[0, q].log_softmax(-1)[y];
            var gradsLogit = pass.AttentionGradients([logit]);
            var gradsLogProb = logProbStored ? pass.AttentionGradients([logProb]) : null;
            for (int l = 0; l < gradsLogit.Count; l++)
            {
                TensorAssert.RelativeClose(reference["attn_grads_logit"][t, l].masked_fill(~lower, 0),
                    gradsLogit[l][0].masked_fill(~lower, 0), Tol, $"attn_grads_logit[{t}, {l}]");
                // Some sets (LLaVA-NeXT, Idefics3) store only the raw-logit version GLIMPSE uses.
                if (gradsLogProb is not null)
                    TensorAssert.RelativeClose(reference["attn_grads"][t, l].masked_fill(~lower, 0),
                        gradsLogProb[l][0].masked_fill(~lower, 0), Tol, $"attn_grads[{t}, {l}]");
            }
        }
    }

    /// <summary>
    /// A batch-T pass where row b back-propagates only token b's logit gives, in one backward, the same per-token
    /// gradients as T separate backward passes (the basis of GLIMPSE's batched exact mode).
    /// </summary>
    public static void BatchedGradientsEqualPerTokenGradients(VisionLanguageModel model, ReferenceSet reference, ImageInput image)
    {
        using var scope = NewDisposeScope();
        long[] ids = reference.Ids("generated_ids");
        int promptLength = reference.Json["prompt_len"]!.GetValue<int>();
        int steps = ids.Length - promptLength;
        using var batched = TeacherForcedPass.Run(model, ids, image, new() { TrackGradients = true, Batch = steps });
        var rows = torch.arange(steps);
        var q = rows + (promptLength - 1);
        var y = torch.tensor(ids[promptLength..]);
        var target = batched.Logits.index([rows, q, y]).sum();
        var together = batched.AttentionGradients([target], retainGraph: false);

        using var single = TeacherForcedPass.Run(model, ids, image, new() { TrackGradients = true });
        for (int t = 0; t < steps; t++)
        {
            var alone = single.AttentionGradients([single.Logits[0, promptLength - 1 + t, ids[promptLength + t]]]);
            for (int l = 0; l < alone.Count; l++)
                TensorAssert.RelativeClose(alone[l][0], together[l][t], 1e-5, $"batched gradient, token {t}, layer {l}");
        }
    }

    /// <summary>The gradient taps deliver, layer by layer and deepest first, exactly what autograd.grad returns.</summary>
    public static void GradientTapsDeliverEachLayersGradient(VisionLanguageModel model, ReferenceSet reference, ImageInput image)
    {
        using var scope = NewDisposeScope();
        long[] ids = reference.Ids("generated_ids");
        int promptLength = reference.Json["prompt_len"]!.GetValue<int>();
        using var pass = TeacherForcedPass.Run(model, ids, image, new() { TrackGradients = true, GradientTaps = true });
        var target = pass.Logits[0, promptLength + 2, ids[promptLength + 3]];
        var expected = pass.AttentionGradients([target]);
        var order = new List<int>();
        pass.Backpropagate([target], (layer, grad) =>
        {
            order.Add(layer);
            TensorAssert.RelativeClose(expected[layer], grad, 1e-6, $"tapped gradient, layer {layer}");
        }, retainGraph: true);
        Assert.Equal(Enumerable.Range(0, expected.Count).Reverse(), order);

        // A failing sink surfaces as an ordinary exception after the backward, not a crash inside native code.
        var target2 = pass.Logits[0, promptLength, ids[promptLength + 1]];
        Assert.Throws<InvalidTimeZoneException>(() => pass.Backpropagate([target2], (_, _) => throw new InvalidTimeZoneException("sink failed")));
        // That backward released the graph: another is refused with an exception, not a native abort.
        Assert.Throws<InvalidOperationException>(() => pass.Backpropagate([target2], (_, _) => { }));
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
