using CortexHybrid.Caching.Policies;

namespace CortexHybrid.Tests.Caching.Policies;

public sealed class FrequencySketchTests
{
    [Fact]
    public void Counts_saturate_at_fifteen()
    {
        var sketch = new FrequencySketch(1_000);
        int key = KeyHash.Of("hot");
        for (int i = 0; i < 40; i++)
        {
            sketch.Increment(key);
        }

        Assert.Equal(15, sketch.Frequency(key));
        Assert.Equal(0, sketch.Frequency(KeyHash.Of("never seen")));
    }

    [Fact]
    public void Aging_halves_every_counter_when_the_sample_reaches_ten_times_the_capacity()
    {
        var sketch = new FrequencySketch(1);
        Assert.Equal(10, sketch.SampleSize);
        int hot = KeyHash.Of("hot");
        int once = KeyHash.Of("once");
        for (int i = 0; i < 8; i++)
        {
            sketch.Increment(hot);
        }

        sketch.Increment(once);
        Assert.Equal((8, 1, 0L), (sketch.Frequency(hot), sketch.Frequency(once), sketch.Resets));

        sketch.Increment(KeyHash.Of("tenth")); // the tenth increment: every counter halves

        Assert.Equal(1, sketch.Resets);
        Assert.Equal(4, sketch.Frequency(hot));
        Assert.Equal(0, sketch.Frequency(once));
        Assert.True(sketch.Size < 10, $"size {sketch.Size} after aging");
    }
}
