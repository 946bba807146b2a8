using Glimpse.Model.Text;

namespace Glimpse.Model.Tests.Text;

/// <summary>The reference prompts were chosen as ids; their P and V follow the README's "Positions in this set".</summary>
public class RawPromptTests
{
    [Fact]
    public void LlavaReferencePositions()
    {
        using var reference = ReferenceSet.Llava();
        long bos = reference.Json["config_full"]!["text_config"]!["bos_token_id"]!.GetValue<long>();
        var prompt = new RawPrompt(imageTokenId: reference.Json["image_token_index"]!.GetValue<long>(), bosTokenId: bos);
        AssertMatchesReference(reference, prompt.Build(reference.Ids("input_ids")));
    }

    [Fact]
    public void Qwen2VLReferencePositions()
    {
        using var reference = ReferenceSet.Qwen2VL();
        var special = reference.Json["special_ids"]!;
        var prompt = new RawPrompt(
            imageTokenId: special["image"]!.GetValue<long>(),
            bosTokenId: reference.Json["config_full"]!["bos_token_id"]!.GetValue<long>(),
            visionMarkerIds: [special["vision_start"]!.GetValue<long>(), special["vision_end"]!.GetValue<long>()]);
        AssertMatchesReference(reference, prompt.Build(reference.Ids("input_ids")));
    }

    [Fact]
    public void APromptWithoutImageTokensIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new RawPrompt(imageTokenId: 299, bosTokenId: 1).Build([1, 17, 42]));
        Assert.Contains("299", e.Message);
    }

    private static void AssertMatchesReference(ReferenceSet reference, PromptLayout layout)
    {
        var glimpse = reference.Json["glimpse"]!;
        int[] expectedP = glimpse["P_positions"]!.AsArray().Select(n => n!.GetValue<int>()).ToArray();
        int[] expectedV = glimpse["V_positions"]!.AsArray().Select(n => n!.GetValue<int>()).ToArray();
        Assert.Equal(reference.Ids("input_ids"), layout.InputIds);
        Assert.Equal(expectedP, layout.QuestionPositions);
        Assert.Equal(expectedV, layout.ImagePositions);
        Assert.Equal(
            Enumerable.Range(0, layout.InputIds.Length).Except(expectedP).Except(expectedV),
            layout.TemplatePositions);
    }
}
