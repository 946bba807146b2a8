using Glimpse.Model.Families;
using Glimpse.Model.Families.Idefics3;
using Glimpse.Model.Families.Llava;
using Glimpse.Model.Families.Qwen25VL;
using Glimpse.Model.Families.Qwen2VL;
using Glimpse.Model.Families.Qwen3VL;

namespace Glimpse.Model.Tests.Families;

public class ModelFamilyRegistryTests
{
    [Fact]
    public void Every_family_is_registered_once_under_its_model_type()
    {
        var types = ModelFamilies.All.Select(f => f.ModelType).ToList();
        Assert.Equal(types.Distinct().Count(), types.Count);
        Assert.Contains("llava", types);
        Assert.Contains("qwen2_vl", types);
        Assert.Contains("qwen2_5_vl", types);
        Assert.Contains("qwen3_vl", types);
        Assert.Contains("idefics3", types);
        foreach (var family in ModelFamilies.All) Assert.Same(family, ModelFamilies.For(family.ModelType));
    }

    [Fact]
    public void An_unknown_model_type_is_one_error_listing_the_supported_ones()
    {
        var e = Assert.Throws<ModelLoadException>(() => ModelFamilies.For("idefics2"));
        Assert.Contains("'idefics2' is not supported", e.Message);
        foreach (var family in ModelFamilies.All) Assert.Contains(family.ModelType, e.Message);
    }

    [Fact]
    public void A_family_given_another_familys_config_says_so()
    {
        using var reference = ReferenceSet.Qwen2VL();
        var qwen = Configuration.ConfigReader.Read(reference.ModelDir);
        var e = Assert.Throws<ArgumentException>(() => new LlavaFamily().CreateModel(qwen));
        Assert.Contains("qwen2_vl", e.Message);
    }

    [Theory]
    [InlineData("llava", typeof(LlavaFamily))]
    [InlineData("llavanext", typeof(Glimpse.Model.Families.LlavaNext.LlavaNextFamily))]
    [InlineData("qwen2vl", typeof(Qwen2VLFamily))]
    [InlineData("qwen25vl", typeof(Qwen25VLFamily))]
    [InlineData("qwen3vl", typeof(Qwen3VLFamily))]
    [InlineData("idefics3", typeof(Idefics3Family))]
    public void Each_reference_folder_is_read_by_its_family_and_describes_itself(string set, Type family)
    {
        using var reference = new ReferenceSet(set);
        var config = Configuration.ConfigReader.Read(reference.ModelDir);
        var owner = ModelFamilies.For(config.ModelType);
        Assert.IsType(family, owner);
        var rows = owner.Describe(config).ToList();
        Assert.Contains(rows, r => r.Name == "image tokens");
    }
}
