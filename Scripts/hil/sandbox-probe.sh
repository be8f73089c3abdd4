#!/bin/sh
# Runs inside the systemd VM as the ExecStart= of a copy of hearthd.service (its sandbox, user
# and device policy unchanged; Scripts/hil/systemd-check.sh makes the copies): tries to open each
# device for reading and writing, and to write each folder, and prints one line for each,
# `PROBE PATH ok` or `PROBE PATH denied: MESSAGE`.
. /etc/hearth-vm/env
for device in "$HIL_I2C_DEV" "$HIL_GPIO_CHIP_DEV" "$HIL_UART" /dev/vda /dev/mem /dev/kmsg /dev/rtc0 /dev/ttyAMA0 /dev/watchdog; do
    [ -e "$device" ] || continue
    # A serial port's open waits for its carrier; a second is long enough to tell.
    if message=$(timeout 5 sh -c "exec 3<> '$device'" 2>&1) || [ $? = 124 ]; then
        echo "PROBE $device ok"
    else
        echo "PROBE $device denied: ${message##*: }"
    fi
done
for folder in /var/lib/hearth /etc /usr/local /home /root /tmp; do
    if message=$( (: > "$folder/.hearth-probe" && rm "$folder/.hearth-probe") 2>&1); then
        echo "PROBE $folder ok"
    else
        echo "PROBE $folder denied: ${message##*: }"
    fi
done
